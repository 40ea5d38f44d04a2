// Environments of `atlas schema apply --env NAME` and of `sqpdash schema apply --env NAME`, which reads the
// same file (see docs/schema-apply.md). The dev database is where the desired schema is built and read back
// before the target is touched; sqpdash takes docker:// (or an empty dev) to mean "a scratch database on the
// target's server, dropped afterwards", while the Atlas CLI starts the container.

env "local" {
  url     = getenv("DATABASE_URL")
  dev     = "docker://postgres/15/dev"
  src     = "file://schema.hcl"
  schemas = ["public", "sqp"]
}

env "test" {
  url     = getenv("TEST_DATABASE_URL")
  dev     = "docker://postgres/15/dev"
  src     = "file://schema.hcl"
  schemas = ["public", "sqp"]
}
