"""fastapi-app: the ToDo REST API."""
