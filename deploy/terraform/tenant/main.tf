# One tenant's cloud resources. The kubernetes driver runs this root once per tenant, with its own state:
#   terraform init -backend-config="bucket=<state bucket>" -backend-config="key=tenants/<slug>.tfstate"
#   terraform apply -var slug=<slug> -var tier=<tier> -var-file=platform.auto.tfvars.json
#   terraform destroy (on deletion)
terraform {
  required_version = ">= 1.6"
  backend "s3" {}
  required_providers {
    aws        = { source = "hashicorp/aws", version = "~> 5.80" }
    random     = { source = "hashicorp/random", version = "~> 3.6" }
    postgresql = { source = "cyrilgdn/postgresql", version = "~> 1.25" }
  }
}

variable "region" { type = string }
variable "slug" { type = string }
variable "tier" { type = string }

# From the platform's outputs (deploy/terraform/platform), written once as platform.auto.tfvars.json.
variable "platform" {
  type = object({
    bucket                = string
    eks_oidc_provider_arn = string
    eks_oidc_provider_url = string
    db_subnet_group_name  = string
    db_security_group_ids = list(string)
    trial_host            = object({ address = string, port = number })
    trial_admin_secret    = string
    kafka_cluster_arn     = string
    redis                 = object({ address = string, port = number, user_group_id = string })
  })
}

provider "aws" {
  region = var.region
  default_tags { tags = { "app.kubernetes.io/part-of" = "tenantry" } }
}

data "aws_secretsmanager_secret_version" "trial_admin" {
  secret_id = var.platform.trial_admin_secret
}

# The shared trial host, as its administrator (used for trial tenants only).
provider "postgresql" {
  host      = var.platform.trial_host.address
  port      = var.platform.trial_host.port
  username  = jsondecode(data.aws_secretsmanager_secret_version.trial_admin.secret_string).username
  password  = jsondecode(data.aws_secretsmanager_secret_version.trial_admin.secret_string).password
  sslmode   = "require"
  superuser = false
}

module "tenant" {
  source                = "../modules/tenant"
  slug                  = var.slug
  tier                  = var.tier
  bucket                = var.platform.bucket
  eks_oidc_provider_arn = var.platform.eks_oidc_provider_arn
  eks_oidc_provider_url = var.platform.eks_oidc_provider_url
  db_subnet_group_name  = var.platform.db_subnet_group_name
  db_security_group_ids = var.platform.db_security_group_ids
  trial_host            = var.platform.trial_host
  redis_address         = var.platform.redis.address
  redis_port            = var.platform.redis.port
  redis_user_group_id   = var.platform.redis.user_group_id
  kafka_cluster_arn     = var.platform.kafka_cluster_arn
}

output "namespace" { value = module.tenant.namespace }
output "role_arn" { value = module.tenant.role_arn }
output "database_secret_arn" { value = module.tenant.database_secret_arn }
output "database_instance_id" { value = module.tenant.database_instance_id }
output "storage_url" { value = module.tenant.storage_url }
output "redis_prefix" { value = module.tenant.redis_prefix }

# The pod's URLs, with their passwords: terraform output -json shows them, the plan and apply logs do not.
output "database_url" {
  value     = module.tenant.database_url
  sensitive = true
}

output "redis_url" {
  value     = module.tenant.redis_url
  sensitive = true
}
