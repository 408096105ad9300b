terraform {
  required_version = ">= 1.6"
  required_providers {
    aws        = { source = "hashicorp/aws", version = "~> 5.80" }
    random     = { source = "hashicorp/random", version = "~> 3.6" }
    postgresql = { source = "cyrilgdn/postgresql", version = "~> 1.25" }
  }
}
