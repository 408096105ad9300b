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
