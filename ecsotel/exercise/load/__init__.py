"""`ecsotel load`: a bounded, stepped Locust load test of the local stack through the frontend."""
