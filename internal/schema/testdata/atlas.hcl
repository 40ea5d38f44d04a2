// Environments of the schema engine's tests; the tests pass the target URL with --url semantics.
env "test" {
  url     = getenv("SCHEMA_TEST_URL")
  dev     = "docker://postgres/15/dev"
  src     = "file://base.hcl"
  schemas = ["public", "shop"]
}
