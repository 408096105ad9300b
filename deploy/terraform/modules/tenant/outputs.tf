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

output "storage_url" {
  description = "env.storageUrl for the tenant-pod chart."
  value       = "s3://${var.bucket}/${var.slug}/"
}
