"""The user mix of `make load`: list 60 %, create 20 %, toggle 15 %, delete 5 %, via nextjs-app.

Listing is the page itself (the Server Component renders the list from the backend);
the writes go through the frontend's /api/todos proxy, as the page's own buttons do.
Each user touches only the todos it created, so users never race on one row.
"""

import random

from locust import HttpUser, constant_throughput, task


class TodoUser(HttpUser):
    """One user sending about one request per second, whatever the latency."""

    # Offered load = users x 1 req/s until the stack saturates: each step of the
    # ramp is a known arrival rate, not whatever a closed loop happens to reach.
    wait_time = constant_throughput(1)

    def on_start(self) -> None:
        """Create the first todo this user works on."""
        self.mine: list[tuple[int, bool]] = []
        self._create(name="create (first)")

    def _create(self, name: str = "create") -> None:
        with self.client.post(
            "/api/todos", json={"title": "load test"}, name=name, catch_response=True
        ) as response:
            if response.status_code == 201:
                self.mine.append((int(response.json()["id"]), False))
            else:
                response.failure(f"create answered {response.status_code}")

    @task(60)
    def list_todos(self) -> None:
        """Open the page."""
        self.client.get("/", name="list (page)")

    @task(20)
    def create(self) -> None:
        """Add a todo."""
        self._create()

    @task(15)
    def toggle(self) -> None:
        """Mark one of this user's todos done or not done."""
        if not self.mine:
            self._create()
            return
        index = random.randrange(len(self.mine))  # noqa: S311 - load mix, not security
        todo_id, completed = self.mine[index]
        self.client.put(f"/api/todos/{todo_id}", json={"completed": not completed}, name="toggle")
        self.mine[index] = (todo_id, not completed)

    @task(5)
    def delete(self) -> None:
        """Remove this user's oldest todo."""
        if not self.mine:
            self._create()
            return
        todo_id, _ = self.mine.pop(0)
        self.client.delete(f"/api/todos/{todo_id}", name="delete")
