"""Development-time helpers shared by the local stack and the backend's tests."""
