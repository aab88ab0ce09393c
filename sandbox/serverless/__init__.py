"""Serverless product of the sandbox: services, environments, functions, assets, builds, deployments,
variables, and the /_runtime route that serves what is deployed."""
