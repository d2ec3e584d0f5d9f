"""What every bench, soak and drill shares: servers, wrk, /proc, the OTLP sink, steady traffic."""
