# One repository per application image, named like the service. `make deploy`
# pushes both images tagged with the git commit; tags are immutable, so a tag
# always names the same build.

locals {
  repositories = toset(["nextjs-app", "fastapi-app"])
}

resource "aws_ecr_repository" "this" {
  for_each = local.repositories

  name                 = each.key
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  # KMS with the AWS-managed ECR key: no key to pay for or maintain.
  encryption_configuration {
    encryption_type = "KMS"
  }

  # `make destroy` removes everything it created; the images are rebuilt from git.
  force_delete = true

  tags = local.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  for_each = aws_ecr_repository.this

  repository = each.value.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 20 newest images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = 20
      }
      action = { type = "expire" }
    }]
  })
}
