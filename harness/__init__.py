"""What tests and benchmarks use to drive the real engine (`pulumi.automation` over this project); not part of
the product (infra/ knows nothing of it)."""
