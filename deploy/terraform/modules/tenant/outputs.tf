# What the kubernetes driver reads after `terraform apply` (terraform output -json).
output "namespace" {
  value = local.namespace
}

output "role_arn" {
  description = "serviceAccount.roleArn for the tenant-pod chart."
  value       = aws_iam_role.tenant.arn
}

output "database_secret_arn" {
  description = "The Secrets Manager secret holding DATABASE_URL."
  value       = aws_secretsmanager_secret.database.arn
}

output "database_instance_id" {
  description = "The dedicated RDS instance's identifier (production), which a freeze stops and a wake starts; empty on the trial host."
  value       = local.production ? aws_db_instance.dedicated[0].identifier : ""
}

output "storage_url" {
  description = "env.storageUrl for the tenant-pod chart."
  value       = "s3://${var.bucket}/${var.slug}/"
}

output "database_url" {
  description = "DATABASE_URL, the same as in the secret."
  value       = local.database_url
  sensitive   = true
}

output "redis_url" {
  description = "REDIS_URL: the tenant's Redis user, which reaches only redis_prefix."
  value       = "rediss://${aws_elasticache_user.tenant.user_name}:${random_password.redis.result}@${var.redis_address}:${var.redis_port}"
  sensitive   = true
  # Only once the user is in the replication group's user group, where it can log in.
  depends_on = [aws_elasticache_user_group_association.tenant]
}

output "redis_prefix" {
  description = "REDIS_PREFIX: the key prefix the Redis user is limited to."
  value       = "t:${var.slug}"
}
