# Pinned versions. The module pins are `~>` on the release whose inputs were
# checked (tests/infra/module_inputs.json), so a new major never arrives unread.
terraform {
  required_version = "~> 1.11"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.34 is the floor of terraform-aws-modules/ecs 7.5; the other modules need less.
      version = "~> 6.34"
    }
  }
}
