"""TaskRouter v1: workspaces, activities, task channels, queues, workers, workflows, tasks, reservations."""
