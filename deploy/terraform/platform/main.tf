data "aws_availability_zones" "available" { state = "available" }

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 3)
}

# Network: private subnets for nodes, databases, Redis and Kafka; public ones for the load balancer.
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.16"

  name                   = var.name
  cidr                   = var.vpc_cidr
  azs                    = local.azs
  private_subnets        = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 4, i)]
  public_subnets         = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, 200 + i)]
  database_subnets       = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, 210 + i)]
  enable_nat_gateway     = true
  single_nat_gateway     = false
  one_nat_gateway_per_az = true
  public_subnet_tags     = { "kubernetes.io/role/elb" = 1 }
  private_subnet_tags    = { "kubernetes.io/role/internal-elb" = 1 }
}

# S3 without the NAT: tenants' storage traffic stays on the gateway endpoint.
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = module.vpc.vpc_id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = module.vpc.private_route_table_ids
}

# Kubernetes: an on-demand group for the master and schedulers, a spot group of mixed types for stateless programs.
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.31"

  cluster_name                             = var.name
  cluster_version                          = var.kubernetes_version
  vpc_id                                   = module.vpc.vpc_id
  subnet_ids                               = module.vpc.private_subnets
  enable_irsa                              = true
  # The API endpoint is private (reached from the VPC); public only from the CIDRs given.
  cluster_endpoint_private_access          = true
  cluster_endpoint_public_access           = length(var.cluster_endpoint_public_access_cidrs) > 0
  cluster_endpoint_public_access_cidrs     = var.cluster_endpoint_public_access_cidrs
  enable_cluster_creator_admin_permissions = true

  eks_managed_node_groups = {
    on_demand = {
      capacity_type  = "ON_DEMAND"
      instance_types = ["m6i.large"]
      min_size       = 2
      max_size       = 6
      desired_size   = 2
      labels         = { "tenantry.io/capacity" = "on-demand" }
    }
    spot = {
      capacity_type  = "SPOT"
      instance_types = var.spot_instance_types
      min_size       = 1
      max_size       = var.spot_max_size
      desired_size   = 2
      labels         = { "tenantry.io/capacity" = "spot" }
      taints = {
        spot = { key = "tenantry.io/spot", value = "true", effect = "NO_SCHEDULE" }
      }
    }
  }
}

resource "aws_security_group" "data" {
  name        = "${var.name}-data"
  description = "Postgres, Redis and Kafka: reachable from the cluster's nodes only"
  vpc_id      = module.vpc.vpc_id
  ingress {
    description     = "Postgres"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [module.eks.node_security_group_id]
  }
  ingress {
    description     = "Redis"
    from_port       = 6379
    to_port         = 6379
    protocol        = "tcp"
    security_groups = [module.eks.node_security_group_id]
  }
  ingress {
    description     = "Kafka (IAM)"
    from_port       = 9098
    to_port         = 9098
    protocol        = "tcp"
    security_groups = [module.eks.node_security_group_id]
  }
}

# Redis for the platform's queues and every tenant's (each tenant with an RBAC user limited to its prefix).
resource "aws_elasticache_subnet_group" "redis" {
  name       = "${var.name}-redis"
  subnet_ids = module.vpc.private_subnets
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id       = "${var.name}-redis"
  description                = "Tenantry queues"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = "cache.t4g.medium"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true
  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  subnet_group_name          = aws_elasticache_subnet_group.redis.name
  security_group_ids         = [aws_security_group.data.id]
  user_group_ids             = [aws_elasticache_user_group.redis.user_group_id]
}

# RBAC: every user group needs a user named "default". Ours is off, so every client logs in by name.
resource "random_password" "redis_default" {
  length  = 40
  special = false
}

resource "aws_elasticache_user" "default" {
  user_id       = "${var.name}-default"
  user_name     = "default"
  engine        = "REDIS"
  access_string = "off -@all"
  authentication_mode {
    type      = "password"
    passwords = [random_password.redis_default.result]
  }
}

# The master's login: every key and channel.
resource "random_password" "redis_admin" {
  length  = 40
  special = false # it goes into a URL as is
}

resource "aws_elasticache_user" "admin" {
  user_id       = "${var.name}-admin"
  user_name     = "${var.name}-admin"
  engine        = "REDIS"
  access_string = "on ~* &* +@all"
  authentication_mode {
    type      = "password"
    passwords = [random_password.redis_admin.result]
  }
}

resource "aws_elasticache_user_group" "redis" {
  user_group_id = "${var.name}-redis"
  engine        = "REDIS"
  user_ids      = [aws_elasticache_user.default.user_id, aws_elasticache_user.admin.user_id]
  # Each tenant's user joins from the tenant's own state (aws_elasticache_user_group_association).
  lifecycle {
    ignore_changes = [user_ids]
  }
}

# The master's REDIS_URL.
resource "aws_secretsmanager_secret" "redis_admin" {
  name = "${var.name}/redis-admin"
}

resource "aws_secretsmanager_secret_version" "redis_admin" {
  secret_id     = aws_secretsmanager_secret.redis_admin.id
  secret_string = jsonencode({ REDIS_URL = "rediss://${aws_elasticache_user.admin.user_name}:${random_password.redis_admin.result}@${aws_elasticache_replication_group.redis.primary_endpoint_address}:${aws_elasticache_replication_group.redis.port}" })
}

# Kafka for analytics: one topic per tenant, IAM authentication.
resource "aws_msk_serverless_cluster" "analytics" {
  cluster_name = "${var.name}-analytics"
  vpc_config {
    subnet_ids         = module.vpc.private_subnets
    security_group_ids = [aws_security_group.data.id]
  }
  client_authentication {
    sasl {
      iam { enabled = true }
    }
  }
}

# Analytics store: Amazon Keyspaces. The master's scheduler makes the tables (CASSANDRA_FLAVOR=keyspaces:
# the custom properties for TTL and client-side timestamps that packages/analytics/src/cassandra-store.ts lists).
resource "aws_keyspaces_keyspace" "analytics" {
  name = "tenantry_analytics"
}

# The master logs in to Keyspaces with service-specific credentials of a user that reaches this keyspace only.
resource "aws_iam_user" "analytics_store" {
  name = "${var.name}-analytics-store"
}

resource "aws_iam_user_policy" "analytics_store" {
  name = "keyspace"
  user = aws_iam_user.analytics_store.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["cassandra:Select", "cassandra:Modify", "cassandra:Create", "cassandra:Alter"]
      Resource = [aws_keyspaces_keyspace.analytics.arn, "${aws_keyspaces_keyspace.analytics.arn}/table/*"]
    }]
  })
}

resource "aws_iam_service_specific_credential" "analytics_store" {
  service_name = "cassandra.amazonaws.com"
  user_name    = aws_iam_user.analytics_store.name
}

resource "aws_secretsmanager_secret" "analytics_store" {
  name = "${var.name}/analytics-store"
}

resource "aws_secretsmanager_secret_version" "analytics_store" {
  secret_id = aws_secretsmanager_secret.analytics_store.id
  secret_string = jsonencode({
    CASSANDRA_USERNAME = aws_iam_service_specific_credential.analytics_store.service_user_name
    CASSANDRA_PASSWORD = aws_iam_service_specific_credential.analytics_store.service_password
  })
}

# Tenants' files: one bucket, one prefix per tenant; each tenant's IAM role reaches only its prefix.
resource "aws_s3_bucket" "tenant_data" {
  bucket_prefix = "${var.name}-tenant-data-"
}

resource "aws_s3_bucket_versioning" "tenant_data" {
  bucket = aws_s3_bucket.tenant_data.id
  versioning_configuration { status = var.tenant_data_versioning ? "Enabled" : "Suspended" }
}

# Every request over TLS only.
resource "aws_s3_bucket_policy" "tenant_data_tls_only" {
  bucket = aws_s3_bucket.tenant_data.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.tenant_data.arn, "${aws_s3_bucket.tenant_data.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

# Server access logs of the tenant bucket, in a bucket of their own.
resource "aws_s3_bucket" "access_logs" {
  count         = var.s3_access_logs ? 1 : 0
  bucket_prefix = "${var.name}-access-logs-"
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  count                   = var.s3_access_logs ? 1 : 0
  bucket                  = aws_s3_bucket.access_logs[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_logging" "tenant_data" {
  count         = var.s3_access_logs ? 1 : 0
  bucket        = aws_s3_bucket.tenant_data.id
  target_bucket = aws_s3_bucket.access_logs[0].id
  target_prefix = "tenant-data/"
}

resource "aws_s3_bucket_public_access_block" "tenant_data" {
  bucket                  = aws_s3_bucket.tenant_data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "tenant_data" {
  bucket = aws_s3_bucket.tenant_data.id
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" }
  }
}

# The shared trial host: one database and login per trial tenant (made by the tenant module).
resource "aws_db_subnet_group" "databases" {
  name       = "${var.name}-databases"
  subnet_ids = module.vpc.database_subnets
}

resource "random_password" "trial_admin" {
  length  = 40
  special = false
}

# The trial tier's temp_file_limit and work_mem (kB) of packages/core/src/tenant-database-limits.ts, for every
# session on the host: only trial tenants use it, and a tenant cannot raise temp_file_limit.
resource "aws_db_parameter_group" "trial" {
  name   = "${var.name}-trial"
  family = "postgres16"
  parameter {
    name  = "temp_file_limit"
    value = "262144"
  }
  parameter {
    name  = "work_mem"
    value = "4096"
  }
}

resource "aws_db_instance" "trial" {
  identifier              = "${var.name}-trial"
  engine                  = "postgres"
  engine_version          = "16"
  instance_class          = var.trial_instance_class
  allocated_storage       = 100
  max_allocated_storage   = 1000
  storage_encrypted       = true
  username                = "tenantry_admin"
  password                = random_password.trial_admin.result
  parameter_group_name    = aws_db_parameter_group.trial.name
  db_subnet_group_name    = aws_db_subnet_group.databases.name
  vpc_security_group_ids  = [aws_security_group.data.id]
  multi_az                = true
  backup_retention_period = 7
  deletion_protection     = var.trial_deletion_protection
  enabled_cloudwatch_logs_exports = var.rds_log_exports
  skip_final_snapshot     = false
  final_snapshot_identifier = "${var.name}-trial-final"
}

resource "aws_secretsmanager_secret" "trial_admin" {
  name = "${var.name}/trial-admin"
}

resource "aws_secretsmanager_secret_version" "trial_admin" {
  secret_id     = aws_secretsmanager_secret.trial_admin.id
  secret_string = jsonencode({ username = aws_db_instance.trial.username, password = random_password.trial_admin.result })
}

# DNS and TLS: a wildcard certificate for *.<domain>, validated in Route 53.
data "aws_route53_zone" "domain" {
  name = var.domain
}

resource "aws_acm_certificate" "wildcard" {
  domain_name               = "*.${var.domain}"
  subject_alternative_names = [var.domain]
  validation_method         = "DNS"
  lifecycle { create_before_destroy = true }
}

resource "aws_route53_record" "validation" {
  for_each = { for o in aws_acm_certificate.wildcard.domain_validation_options : o.domain_name => o }
  zone_id  = data.aws_route53_zone.domain.zone_id
  name     = each.value.resource_record_name
  type     = each.value.resource_record_type
  records  = [each.value.resource_record_value]
  ttl      = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "wildcard" {
  certificate_arn         = aws_acm_certificate.wildcard.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}
