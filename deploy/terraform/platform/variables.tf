variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "name" {
  description = "Prefix of every resource's name."
  type        = string
  default     = "tenantry"
}

variable "domain" {
  description = "The platform's domain: master.<domain> and <slug>.<domain>; its Route 53 hosted zone must exist."
  type        = string
}

variable "vpc_cidr" {
  type    = string
  default = "10.40.0.0/16"
}

variable "kubernetes_version" {
  type    = string
  default = "1.32"
}

variable "spot_instance_types" {
  description = "Several types of the same size, so a reclaimed spot pool has a substitute."
  type        = list(string)
  default     = ["m6i.large", "m6a.large", "m5.large", "m7i.large", "m7a.large"]
}

variable "spot_max_size" {
  type    = number
  default = 20
}

variable "trial_instance_class" {
  type    = string
  default = "db.t4g.medium"
}

variable "cluster_endpoint_public_access_cidrs" {
  description = "CIDRs that may reach the EKS API endpoint from the internet; empty (the default) keeps it private to the VPC."
  type        = list(string)
  default     = []
}

variable "trial_deletion_protection" {
  description = "Deletion protection on the shared trial RDS host (every trial tenant's database)."
  type        = bool
  default     = true
}

variable "rds_log_exports" {
  description = "RDS logs exported to CloudWatch (the trial host; tenants' instances take the tenant module's)."
  type        = list(string)
  default     = ["postgresql", "upgrade"]
}

variable "tenant_data_versioning" {
  description = "Object versioning on the tenant-data bucket (a deleted or overwritten file can be recovered)."
  type        = bool
  default     = true
}

variable "s3_access_logs" {
  description = "Server access logs of the tenant-data bucket, in a bucket of their own."
  type        = bool
  default     = true
}
