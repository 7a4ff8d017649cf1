"""Domains, accounts, users, roles and their permission rules, SSH key pairs.

State only: every change goes through accounts.services."""
import uuid
from fnmatch import fnmatchcase

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models

from cloudstack_ui.crypto import EncryptedTextField


class Domain(models.Model):
    """A node of the domain tree. ROOT has no parent and path "/"; a child's
    path is its parent's path plus its name and "/" (CloudStack's form), so a
    subtree is one `path__startswith` query."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=1024, db_index=True)
    level = models.PositiveIntegerField(default=0)
    network_domain = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="domain_name_unique_among_siblings")]

    def __str__(self):
        return self.full_path

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    @property
    def full_path(self) -> str:
        """ROOT/Comp1/sales, as the UI shows it."""
        return "ROOT" + self.path.rstrip("/") if not self.is_root else "ROOT"

    @property
    def login_path(self) -> str:
        """What a user of this domain types in the login form: blank for ROOT,
        `Comp1/sales` below it (guide 5.1)."""
        return self.path.strip("/")


class Role(models.Model):
    """A role with allow/deny rules per API command name (CloudStack's dynamic
    roles). The role type decides the scope an account of it gets."""

    class Type(models.TextChoices):
        ADMIN = "Admin", "Root Admin"
        DOMAIN_ADMIN = "DomainAdmin", "Domain Admin"
        USER = "User", "User"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=16, choices=Type.choices)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name

    def allows(self, command) -> bool:
        """First matching rule decides; with none, the command's declared
        role types do (root admins may call every command)."""
        name = command.name.lower()
        for rule in self.ordered_rules():
            if fnmatchcase(name, rule.rule.lower()):
                return rule.permission == RolePermission.Permission.ALLOW
        return self.type == Role.Type.ADMIN or self.type in command.authorized

    def ordered_rules(self):
        if not hasattr(self, "_rules"):
            self._rules = list(self.permissions.order_by("sort_order", "id"))
        return self._rules


class RolePermission(models.Model):
    """One rule of a role: a command name or a pattern with `*` wildcards
    (`list*`), allowed or denied. Rules are tried in `sort_order`; the first
    that matches decides; no match denies."""

    class Permission(models.TextChoices):
        ALLOW = "ALLOW", "Allow"
        DENY = "DENY", "Deny"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="permissions")
    rule = models.CharField(max_length=255)
    permission = models.CharField(max_length=5, choices=Permission.choices)
    description = models.CharField(max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["role", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["role", "rule"], name="role_rule_unique")]

    def __str__(self):
        return f"{self.role}: {self.permission} {self.rule}"


class Account(models.Model):
    class Type(models.IntegerChoices):
        # CloudStack's accounttype values.
        USER = 0, "User"
        ADMIN = 1, "Root Admin"
        DOMAIN_ADMIN = 2, "Domain Admin"

    class State(models.TextChoices):
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Disabled"
        LOCKED = "locked", "Locked"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="accounts")
    type = models.PositiveSmallIntegerField(choices=Type.choices, default=Type.USER)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="accounts")
    state = models.CharField(max_length=16, choices=State.choices, default=State.ENABLED)
    network_domain = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain__path", "name"]
        constraints = [models.UniqueConstraint(fields=["domain", "name"], name="account_name_unique_in_domain")]

    def __str__(self):
        return self.name

    @property
    def is_root_admin(self) -> bool:
        return self.type == self.Type.ADMIN

    @property
    def is_domain_admin(self) -> bool:
        return self.type == self.Type.DOMAIN_ADMIN


ROLE_TYPE_FOR_ACCOUNT_TYPE = {
    Account.Type.USER: Role.Type.USER,
    Account.Type.ADMIN: Role.Type.ADMIN,
    Account.Type.DOMAIN_ADMIN: Role.Type.DOMAIN_ADMIN,
}


class UserManager(BaseUserManager):
    def get_by_natural_key(self, username):
        """Django's session and admin machinery look users up by natural key;
        ours is the primary key, since usernames repeat across domains."""
        return self.get(pk=username)


class User(AbstractBaseUser):
    """A person who logs in. Belongs to one account; the username is unique
    within the account's domain. The API secret key is encrypted at rest."""

    class State(models.TextChoices):
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Disabled"
        LOCKED = "locked", "Locked"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="users")
    # Denormalised from the account so that "unique within a domain" is a
    # database constraint and not only a check.
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="users")
    username = models.CharField(max_length=255)
    first_name = models.CharField(max_length=255)
    last_name = models.CharField(max_length=255)
    email = models.EmailField(max_length=255, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ENABLED)
    api_key = models.CharField(max_length=255, unique=True, null=True, blank=True)
    secret_key = EncryptedTextField(blank=True)
    must_change_password = models.BooleanField(default=False)
    # Chose "Continue with basic setup" on the first-login splash (guide 5.1.3):
    # the dashboard then shows the getting-started steps.
    guided_setup = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        constraints = [models.UniqueConstraint(fields=["domain", "username"], name="username_unique_in_domain")]

    def __str__(self):
        return self.username

    def natural_key(self):
        return (self.pk,)

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ENABLED and self.account.state == Account.State.ENABLED

    def can_call(self, command) -> bool:
        return self.account.role.allows(command)

    @property
    def is_root_admin(self) -> bool:
        return self.account.is_root_admin

    @property
    def is_domain_admin(self) -> bool:
        return self.account.is_domain_admin

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class LoginFailure(models.Model):
    """A failed login, kept for the throttle window only."""

    username = models.CharField(max_length=255, db_index=True)
    domain_path = models.CharField(max_length=1024)
    remote_addr = models.GenericIPAddressField(null=True, db_index=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)


class SSHKeyPair(models.Model):
    """A public key registered or generated for an account (guide 5.2). The
    private key of a generated pair is returned once and never stored."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ssh_keypairs")
    name = models.CharField(max_length=255)
    public_key = models.TextField()
    fingerprint = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="keypair_name_unique_in_account")]

    def __str__(self):
        return self.name


class ResourceLimit(models.Model):
    """An account's own limit of one resource type (CloudStack's
    resource_limit); without a row the global max.account.* applies."""

    class Type(models.IntegerChoices):
        # CloudStack's resourcetype numbers and names.
        USER_VM = 0, "user_vm"
        PUBLIC_IP = 1, "public_ip"
        VOLUME = 2, "volume"
        SNAPSHOT = 3, "snapshot"
        TEMPLATE = 4, "template"
        PROJECT = 5, "project"
        NETWORK = 6, "network"
        VPC = 7, "vpc"
        CPU = 8, "cpu"
        MEMORY = 9, "memory"
        PRIMARY_STORAGE = 10, "primary_storage"
        SECONDARY_STORAGE = 11, "secondary_storage"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="resource_limits")
    resource_type = models.PositiveSmallIntegerField(choices=Type.choices)
    max = models.BigIntegerField(help_text="-1: unlimited")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "resource_type"], name="resource_limit_unique")]

    def __str__(self):
        return f"{self.account} {self.get_resource_type_display()} {self.max}"
