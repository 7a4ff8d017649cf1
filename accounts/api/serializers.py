"""One serializer per resource, with the field names of CloudStack's response
objects (DomainResponse, AccountResponse, UserResponse, SSHKeyPairResponse,
RoleResponse). The command API and the REST API render these same classes.

List querysets are expected to carry the joins these fields read
(select_related / prefetch_related / annotations, see `accounts.commands`),
so rendering a page costs a fixed number of queries."""
from rest_framework import serializers

from accounts.models import Account, Domain, User
from cloudstack_ui.api.fields import CloudStackDateTimeField, LowerCaseField


class DomainSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    level = serializers.IntegerField(read_only=True)
    parentdomainid = serializers.UUIDField(source="parent.uuid", read_only=True, default=None)
    parentdomainname = serializers.CharField(source="parent.name", read_only=True, default=None)
    haschild = serializers.SerializerMethodField()
    networkdomain = serializers.CharField(source="network_domain", read_only=True)
    path = serializers.CharField(source="full_path", read_only=True)
    state = serializers.SerializerMethodField()
    created = CloudStackDateTimeField()

    def get_haschild(self, domain: Domain) -> bool:
        # List commands annotate has_child; a single domain asks once.
        if hasattr(domain, "has_child"):
            return bool(domain.has_child)
        return domain.children.exists()

    def get_state(self, domain: Domain) -> str:
        return "Active"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data["parentdomainid"] is None:
            del data["parentdomainid"]
            del data["parentdomainname"]
        return data


class RoleSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    type = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    isdefault = serializers.BooleanField(source="is_default", read_only=True)


class UserSerializer(serializers.Serializer):
    """A user, without secrets: the secret key is only ever answered by
    registerUserKeys (once) and getUserKeys (to its owner or an admin)."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    username = serializers.CharField(read_only=True)
    firstname = serializers.CharField(source="first_name", read_only=True)
    lastname = serializers.CharField(source="last_name", read_only=True)
    email = serializers.CharField(read_only=True)
    created = CloudStackDateTimeField()
    state = LowerCaseField(read_only=True)
    account = serializers.CharField(source="account.name", read_only=True)
    accountid = serializers.UUIDField(source="account.uuid", read_only=True)
    accounttype = serializers.IntegerField(source="account.type", read_only=True)
    roleid = serializers.UUIDField(source="account.role.uuid", read_only=True)
    rolename = serializers.CharField(source="account.role.name", read_only=True)
    roletype = serializers.CharField(source="account.role.type", read_only=True)
    domainid = serializers.UUIDField(source="account.domain.uuid", read_only=True)
    domain = serializers.CharField(source="account.domain.name", read_only=True)
    timezone = serializers.CharField(read_only=True)
    apikey = serializers.CharField(source="api_key", read_only=True, default=None)
    usersource = serializers.SerializerMethodField()
    isdefault = serializers.SerializerMethodField()

    def get_usersource(self, user: User) -> str:
        return "native"

    def get_isdefault(self, user: User) -> bool:
        # The admin user that the installation creates (guide 5.1).
        return user.account.is_root_admin and user.account.name == "admin" and user.username == "admin"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not data["timezone"]:
            del data["timezone"]
        if not data["apikey"]:
            del data["apikey"]
        return data


class AccountSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    accounttype = serializers.IntegerField(source="type", read_only=True)
    roleid = serializers.UUIDField(source="role.uuid", read_only=True)
    rolename = serializers.CharField(source="role.name", read_only=True)
    roletype = serializers.CharField(source="role.type", read_only=True)
    domainid = serializers.UUIDField(source="domain.uuid", read_only=True)
    domain = serializers.CharField(source="domain.name", read_only=True)
    domainpath = serializers.CharField(source="domain.full_path", read_only=True)
    networkdomain = serializers.CharField(source="network_domain", read_only=True)
    state = LowerCaseField(read_only=True)
    created = CloudStackDateTimeField()
    isdefault = serializers.SerializerMethodField()
    # List commands prefetch the users; Django then gives each user this
    # account instance, so the nested fields cost no query per row.
    user = UserSerializer(source="users.all", many=True, read_only=True)

    def get_isdefault(self, account: Account) -> bool:
        return account.is_root_admin and account.name == "admin" and account.domain.is_root


class SSHKeyPairSerializer(serializers.Serializer):
    """A key pair; `privatekey` only right after createSSHKeyPair, the one
    time it exists on this side (it is never stored)."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    fingerprint = serializers.CharField(read_only=True)
    account = serializers.CharField(source="account.name", read_only=True)
    accountid = serializers.UUIDField(source="account.uuid", read_only=True)
    domainid = serializers.UUIDField(source="account.domain.uuid", read_only=True)
    domain = serializers.CharField(source="account.domain.name", read_only=True)
    publickey = serializers.CharField(source="public_key", read_only=True)
    created = CloudStackDateTimeField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        private_key = getattr(instance, "private_key", None)
        if private_key:
            data["privatekey"] = private_key
        return data


class UserKeysSerializer(serializers.Serializer):
    apikey = serializers.CharField(read_only=True)
    secretkey = serializers.CharField(read_only=True)



class ResourceLimitSerializer(serializers.Serializer):
    """ResourceLimitResponse, from an accounts.services.limits.Usage."""

    account = serializers.CharField(source="account.name", read_only=True)
    domainid = serializers.UUIDField(source="account.domain.uuid", read_only=True)
    domain = serializers.CharField(source="account.domain.name", read_only=True)
    resourcetype = serializers.CharField(source="resource_type", read_only=True)
    resourcetypename = serializers.CharField(source="type_name", read_only=True)
    max = serializers.IntegerField(source="limit", read_only=True)


class ResourceCountSerializer(serializers.Serializer):
    """ResourceCountResponse, from an accounts.services.limits.Usage."""

    account = serializers.CharField(source="account.name", read_only=True)
    domainid = serializers.UUIDField(source="account.domain.uuid", read_only=True)
    domain = serializers.CharField(source="account.domain.name", read_only=True)
    resourcetype = serializers.CharField(source="resource_type", read_only=True)
    resourcetypename = serializers.CharField(source="type_name", read_only=True)
    resourcecount = serializers.IntegerField(source="used", read_only=True)
