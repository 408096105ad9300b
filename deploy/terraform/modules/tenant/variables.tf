variable "slug" {
  description = "The tenant slug: the namespace is tenant-<slug>, the storage prefix <slug>/."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.slug))
    error_message = "slug must be lowercase letters, digits and hyphens (at most 63), not starting or ending with a hyphen."
  }
}

variable "tier" {
  description = "production: a dedicated RDS instance; trial: a database and role on the shared trial host."
  type        = string
  validation {
    condition     = contains(["trial", "production"], var.tier)
    error_message = "tier must be trial or production."
  }
}

variable "bucket" {
  description = "The shared tenant-data bucket; the tenant may touch only s3://<bucket>/<slug>/*."
  type        = string
}

variable "eks_oidc_provider_arn" {
  description = "The EKS cluster's OIDC provider (IRSA), from the platform's outputs."
  type        = string
}

variable "eks_oidc_provider_url" {
  description = "Its issuer URL without https://, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC."
  type        = string
}

variable "db_subnet_group_name" {
  description = "Private subnets for a dedicated instance (production), from the platform's outputs."
  type        = string
}

variable "db_security_group_ids" {
  description = "Security groups for a dedicated instance: Postgres reachable from the cluster only."
  type        = list(string)
}

variable "production_instance_class" {
  type    = string
  default = "db.t4g.micro"
}

variable "trial_host" {
  description = "The shared trial RDS host (trial tier): address and port."
  type        = object({ address = string, port = number })
}

variable "kafka_cluster_arn" {
  description = "The MSK cluster (IAM authentication); the tenant's role may write its own topic, tenantry.analytics.<slug>, only."
  type        = string
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "redis_address" {
  description = "The platform's ElastiCache primary endpoint address, from the platform's outputs."
  type        = string
}

variable "redis_port" {
  type    = number
  default = 6379
}

variable "redis_user_group_id" {
  description = "The platform's ElastiCache user group: the tenant's Redis user is added to it."
  type        = string
}

variable "production_multi_az" {
  description = "A production tenant's RDS instance in two availability zones (a standby that takes over)."
  type        = bool
  default     = true
}

variable "rds_log_exports" {
  description = "RDS logs of a production tenant's instance exported to CloudWatch."
  type        = list(string)
  default     = ["postgresql", "upgrade"]
}
