# tflint configuration for every root module under infra/ (`make tflint`, run by
# .github/workflows/infra.yml). The AWS ruleset checks what terraform validate
# cannot: instance types, regions, IAM policy JSON, deprecated arguments.
config {
  # Registry modules are not inspected (they are pinned and tested upstream).
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.48.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}
