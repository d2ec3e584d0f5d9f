"""Development-time helpers shared by the local stack, the backend's tests and its benchmark."""
