# The AWS side of pgactive-tools: the IAM role its Kubernetes service account assumes (IRSA) with least-privilege
# policies, the references of the secrets it reads, and the RDS parameter groups that turn pgactive on.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  account   = data.aws_caller_identity.current.account_id
  rds_arn   = "arn:${local.partition}:rds:${local.region}:${local.account}"
  tags      = merge(var.tags, { (var.upgrade_tag_key) = var.name })
}

# --- the role of the service account --------------------------------------------------------------------------------

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    # this service account in this namespace, and tokens minted for STS only
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "service" {
  name                 = var.name
  description          = "pgactive-tools service account ${var.namespace}/${var.service_account}"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  max_session_duration = 3600
  tags                 = local.tags
}

# --- secrets: read exactly the named ones ---------------------------------------------------------------------------

data "aws_secretsmanager_secret" "read" {
  for_each = toset(var.secret_names)
  name     = each.value
}

data "aws_iam_policy_document" "secrets" {
  count = length(var.secret_names) > 0 ? 1 : 0
  statement {
    sid       = "ReadNamedSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [for s in data.aws_secretsmanager_secret.read : s.arn]
  }
  dynamic "statement" {
    for_each = length(var.secret_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "DecryptThroughSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = var.secret_kms_key_arns
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "secrets" {
  count  = length(var.secret_names) > 0 ? 1 : 0
  name   = "read-secrets"
  role   = aws_iam_role.service.id
  policy = data.aws_iam_policy_document.secrets[0].json
}

# --- RDS IAM authentication: connect as the configured users only ---------------------------------------------------

data "aws_iam_policy_document" "db_connect" {
  count = length(var.iam_db_users) > 0 ? 1 : 0
  statement {
    sid     = "ConnectAsConfiguredUsers"
    actions = ["rds-db:connect"]
    resources = [
      for u in var.iam_db_users :
      "arn:${local.partition}:rds-db:${local.region}:${local.account}:dbuser:${u.db_resource_id}/${u.user}"
    ]
  }
}

resource "aws_iam_role_policy" "db_connect" {
  count  = length(var.iam_db_users) > 0 ? 1 : 0
  name   = "rds-iam-connect"
  role   = aws_iam_role.service.id
  policy = data.aws_iam_policy_document.db_connect[0].json
}

# --- the rolling upgrade's RDS calls --------------------------------------------------------------------------------
# Reading is account-wide (the Describe calls do not all take resource-level permissions). Creating (and tagging)
# is limited to identifiers with upgrade_identifier_prefix carrying the managed-by tag, so the role cannot tag an
# existing instance into its reach; changing, rebooting, snapshotting and deleting need that tag on the resource,
# which an operator sets by hand on a source instance to hand it to the upgrade.

data "aws_iam_policy_document" "upgrade" {
  count = var.upgrade_enabled ? 1 : 0
  statement {
    sid = "Describe"
    actions = [
      "rds:DescribeDBInstances",
      "rds:DescribeDBParameterGroups",
      "rds:DescribeDBParameters",
      "rds:DescribeDBSubnetGroups",
      "rds:DescribeDBEngineVersions",
      "rds:DescribeDBSnapshots",
      "rds:DescribeOrderableDBInstanceOptions",
      "rds:ListTagsForResource",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "CreateTaggedInstancesAndSnapshots"
    actions   = ["rds:CreateDBInstance", "rds:CreateDBSnapshot", "rds:AddTagsToResource"]
    resources = ["${local.rds_arn}:db:${var.upgrade_identifier_prefix}*", "${local.rds_arn}:snapshot:${var.upgrade_identifier_prefix}*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${var.upgrade_tag_key}"
      values   = [var.name]
    }
  }
  statement {
    # CreateDBInstance also authorises against the groups it names: only this module's parameter groups, any
    # subnet/option/security group of the source (read from it, not chosen by the caller)
    sid     = "CreateWithGroups"
    actions = ["rds:CreateDBInstance"]
    resources = concat(
      [for g in aws_db_parameter_group.pgactive : g.arn],
      ["${local.rds_arn}:subgrp:*", "${local.rds_arn}:og:*", "${local.rds_arn}:secgrp:*"],
    )
  }
  statement {
    sid = "ChangeManagedInstances"
    actions = [
      "rds:ModifyDBInstance",
      "rds:RebootDBInstance",
      "rds:DeleteDBInstance",
      "rds:CreateDBSnapshot",
      "rds:PromoteReadReplica",
    ]
    resources = ["${local.rds_arn}:db:*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${var.upgrade_tag_key}"
      values   = [var.name]
    }
  }
  statement {
    sid       = "AttachPgactiveParameterGroups"
    actions   = ["rds:ModifyDBInstance"]
    resources = [for g in aws_db_parameter_group.pgactive : g.arn]
  }
}

resource "aws_iam_role_policy" "upgrade" {
  count  = var.upgrade_enabled ? 1 : 0
  name   = "rds-rolling-upgrade"
  role   = aws_iam_role.service.id
  policy = data.aws_iam_policy_document.upgrade[0].json
}

# --- pgactive on RDS ------------------------------------------------------------------------------------------------
# rds.enable_pgactive = 1 turns on logical replication and commit timestamps and preloads pgactive; it takes effect
# only after a reboot of each instance that uses the group.

resource "aws_db_parameter_group" "pgactive" {
  for_each    = toset(var.parameter_group_families)
  name        = "${var.name}-${each.value}-pgactive"
  family      = each.value
  description = "pgactive enabled (${var.name})"
  tags        = local.tags

  parameter {
    name         = "rds.enable_pgactive"
    value        = "1"
    apply_method = "pending-reboot"
  }
  parameter {
    name         = "pgactive.max_nodes"
    value        = tostring(var.pgactive_max_nodes)
    apply_method = "pending-reboot"
  }

  lifecycle {
    create_before_destroy = true
  }
}
