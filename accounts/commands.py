"""CloudStack commands of the accounts app: thin, they parse parameters,
find the objects within the caller's scope and call accounts.services."""
from django.contrib.auth import login, logout
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from accounts.api.serializers import (
    AccountSerializer,
    DomainSerializer,
    ResourceCountSerializer,
    ResourceLimitSerializer,
    RoleSerializer,
    SSHKeyPairSerializer,
    UserKeysSerializer,
    UserSerializer,
)
from accounts.models import Account, Domain, Role, SSHKeyPair
from accounts.services import accounts as account_services
from accounts.services import auth as auth_services
from accounts.services import domains as domain_services
from accounts.services import keypairs as keypair_services
from accounts.services import limits as limit_services
from accounts.services import users as user_services
from accounts.services.scope import (
    get_account,
    get_domain,
    get_user,
    scope_accounts,
    scope_by_account,
    scope_users,
    visible_domains,
)
from cloudstack_ui.api.auth import SESSION_KEY, new_session_key
from cloudstack_ui.api.registry import ALL_ROLES, ROLE_ADMIN, ROLE_DOMAIN_ADMIN, Command, Param, register
from cloudstack_ui.errors import AuthenticationFailed, InvalidParameter, MethodNotAllowed

ADMINS = (ROLE_ADMIN, ROLE_DOMAIN_ADMIN)
SUCCESS = {"success": True}


def _account_from(caller, params, *, id_param: str | None = "id"):
    """The account named by `id`, or by `account` + `domainid` as CloudStack allows."""
    if id_param and params.get(id_param):
        return get_account(caller, params[id_param])
    if params.get("account"):
        domain = get_domain(caller, params["domainid"]) if params.get("domainid") else caller.account.domain
        return get_account(caller, name=params["account"], domain=domain)
    raise InvalidParameter("Either id or account and domainid must be specified", field=id_param or "account")


def _optional_account(caller, params):
    """For commands acting on the caller's own account unless an admin names another."""
    if not params.get("account"):
        return None
    return _account_from(caller, params, id_param=None)


def _subtree_filter(caller, params, prefix: str = "") -> Q:
    if not params.get("domainid"):
        return Q()
    domain = get_domain(caller, params["domainid"])
    if params.get("isrecursive"):
        return Q(**{f"{prefix}domain__path__startswith": domain.path})
    return Q(**{f"{prefix}domain": domain})


LIST_PARAMS = (
    Param("id", "uuid", description="the ID of the object"),
    Param("keyword", description="list by keyword"),
    Param("domainid", "uuid", description="list only objects of this domain"),
    Param("isrecursive", "boolean", description="with domainid, include subdomains"),
)


# Domains ---------------------------------------------------------------------------------------

def with_has_child(domains):
    """Domains annotated with has_child, so rendering a page asks once."""
    return domains.annotate(has_child=Exists(Domain.objects.filter(parent=OuterRef("pk"))))


@register
class ListDomains(Command):
    name = "listDomains"
    description = "Lists the domains within the caller's reach"
    authorized = ADMINS
    response_name = "domain"
    serializer = DomainSerializer
    params = (
        Param("id", "uuid", description="the ID of the domain"),
        Param("name", description="the name of the domain"),
        Param("keyword", description="list by keyword"),
        Param("level", "integer", description="the level of the domain"),
    )

    def execute(self, caller, **p):
        domains = with_has_child(visible_domains(caller).select_related("parent"))
        if "id" in p:
            domains = domains.filter(uuid=p["id"])
        if "name" in p:
            domains = domains.filter(name__iexact=p["name"])
        if "keyword" in p:
            domains = domains.filter(name__icontains=p["keyword"])
        if "level" in p:
            domains = domains.filter(level=p["level"])
        return domains


@register
class ListDomainChildren(Command):
    name = "listDomainChildren"
    description = "Lists the subdomains of a domain, one level or the whole subtree"
    authorized = ADMINS
    response_name = "domain"
    serializer = DomainSerializer
    params = (
        Param("id", "uuid", description="list children of this domain; the caller's own domain if omitted"),
        Param("name", description="only subdomains with this name"),
        Param("keyword", description="list by keyword"),
        Param("isrecursive", "boolean", description="true for the whole subtree, not only direct children"),
    )

    def execute(self, caller, **p):
        parent = get_domain(caller, p["id"]) if "id" in p else caller.account.domain
        domains = with_has_child(visible_domains(caller).select_related("parent"))
        if p.get("isrecursive"):
            domains = domains.filter(path__startswith=parent.path).exclude(pk=parent.pk)
        else:
            domains = domains.filter(parent=parent)
        if "name" in p:
            domains = domains.filter(name__iexact=p["name"])
        if "keyword" in p:
            domains = domains.filter(name__icontains=p["keyword"])
        return domains


@register
class CreateDomain(Command):
    name = "createDomain"
    description = "Creates a domain"
    authorized = ADMINS
    response_name = "domain"
    serializer = DomainSerializer
    params = (
        Param("name", required=True, description="creates domain with this name"),
        Param("parentdomainid", "uuid", description="assigns new domain a parent domain by domain ID of the parent; ROOT if omitted"),
        Param("networkdomain", description="Network domain for networks in the domain"),
    )

    def execute(self, caller, **p):
        parent = get_domain(caller, p["parentdomainid"]) if "parentdomainid" in p else None
        return domain_services.create_domain(caller, name=p["name"], parent=parent, network_domain=p.get("networkdomain", ""))


@register
class UpdateDomain(Command):
    name = "updateDomain"
    description = "Renames a domain or changes its network domain"
    authorized = ADMINS
    response_name = "domain"
    serializer = DomainSerializer
    params = (
        Param("id", "uuid", required=True, description="ID of domain to update"),
        Param("name", description="updates domain with this name"),
        Param("networkdomain", description="Network domain for the domain's networks"),
    )

    def execute(self, caller, **p):
        domain = get_domain(caller, p["id"])
        return domain_services.update_domain(caller, domain, name=p.get("name"), network_domain=p.get("networkdomain"))


@register
class DeleteDomain(Command):
    name = "deleteDomain"
    description = "Deletes a domain; with cleanup, its subdomains and accounts too"
    authorized = ADMINS
    is_async = True
    params = (
        Param("id", "uuid", required=True, description="ID of domain to delete"),
        Param("cleanup", "boolean", description="true if all domain resources (child domains, accounts) have to be cleaned up, false otherwise"),
    )

    instance_type = "Domain"

    def job_instance(self, caller, params):
        return get_domain(caller, params["id"])

    def execute(self, caller, **p):
        domain_services.delete_domain(caller, get_domain(caller, p["id"]), cleanup=p.get("cleanup", False))
        return SUCCESS


# Accounts --------------------------------------------------------------------------------------

ACCOUNT_TYPES = tuple(Account.Type.values)


@register
class ListAccounts(Command):
    name = "listAccounts"
    description = "Lists the accounts within the caller's reach, with their users"
    authorized = ALL_ROLES
    response_name = "account"
    serializer = AccountSerializer
    params = LIST_PARAMS + (
        Param("name", description="name of the account"),
        Param("accounttype", "integer", choices=ACCOUNT_TYPES, description="list accounts by account type"),
        Param("state", description="list accounts by state"),
    )

    def execute(self, caller, **p):
        accounts = (scope_accounts(caller).select_related("domain", "role").prefetch_related("users")
                    .filter(_subtree_filter(caller, p)))
        if "id" in p:
            accounts = accounts.filter(uuid=p["id"])
        if "name" in p:
            accounts = accounts.filter(name__iexact=p["name"])
        if "keyword" in p:
            accounts = accounts.filter(name__icontains=p["keyword"])
        if "accounttype" in p:
            accounts = accounts.filter(type=p["accounttype"])
        if "state" in p:
            accounts = accounts.filter(state__iexact=p["state"])
        return accounts


USER_FIELDS = (
    Param("username", required=True, description="Unique username within the domain"),
    Param("password", required=True, secret=True, description="Clear text password"),
    Param("firstname", required=True, description="firstname"),
    Param("lastname", required=True, description="lastname"),
    Param("email", required=True, description="email"),
    Param("timezone", description="Time zone of the user, e.g. Europe/Paris"),
)


@register
class CreateAccount(Command):
    name = "createAccount"
    description = "Creates an account and its first user"
    authorized = ADMINS
    response_name = "account"
    serializer = AccountSerializer
    params = USER_FIELDS + (
        Param("account", description="Name of the account; the username if omitted"),
        Param("accounttype", "integer", choices=ACCOUNT_TYPES, description="0 user, 1 root admin, 2 domain admin"),
        Param("roleid", "uuid", description="Creates the account under the specified role"),
        Param("domainid", "uuid", description="Creates the account in this domain; ROOT if omitted"),
        Param("networkdomain", description="Network domain for the account's networks"),
    )

    def execute(self, caller, **p):
        domain = get_domain(caller, p["domainid"]) if "domainid" in p else get_domain(caller, path="")
        role = account_services.get_role(p["roleid"]) if "roleid" in p else None
        return account_services.create_account(
            caller,
            domain=domain,
            username=p["username"],
            password=p["password"],
            first_name=p["firstname"],
            last_name=p["lastname"],
            email=p["email"],
            account_name=p.get("account", ""),
            account_type=p.get("accounttype"),
            role=role,
            timezone=p.get("timezone", ""),
            network_domain=p.get("networkdomain", ""),
        )


ACCOUNT_REF = (
    Param("id", "uuid", description="Account UUID"),
    Param("account", description="Account name (with domainid)"),
    Param("domainid", "uuid", description="Domain of the account named by account"),
)


@register
class UpdateAccount(Command):
    name = "updateAccount"
    description = "Renames an account or changes its network domain or role"
    authorized = ADMINS
    response_name = "account"
    serializer = AccountSerializer
    params = ACCOUNT_REF + (
        Param("newname", description="new name for the account"),
        Param("networkdomain", description="Network domain for the account's networks"),
        Param("roleid", "uuid", description="The UUID of the dynamic role to set for the account"),
    )

    def execute(self, caller, **p):
        account = _account_from(caller, p)
        role = account_services.get_role(p["roleid"]) if "roleid" in p else None
        return account_services.update_account(
            caller, account, new_name=p.get("newname"), network_domain=p.get("networkdomain"), role=role
        )


@register
class DisableAccount(Command):
    name = "disableAccount"
    description = "Disables an account (or, with lock=true, locks it)"
    authorized = ADMINS
    is_async = True
    response_name = "account"
    serializer = AccountSerializer
    params = ACCOUNT_REF + (
        Param("lock", "boolean", required=True, description="If true, only lock the account; else disable the account"),
    )

    instance_type = "Account"

    def job_instance(self, caller, params):
        return _account_from(caller, params)

    def resource_url(self, result):
        return reverse("accounts:account_detail", args=[result.uuid])

    def execute(self, caller, **p):
        return account_services.disable_account(caller, _account_from(caller, p), lock=p["lock"])


@register
class LockAccount(Command):
    name = "lockAccount"
    description = "Locks an account: its users can no longer log in"
    authorized = ADMINS
    response_name = "account"
    serializer = AccountSerializer
    params = (
        Param("account", required=True, description="Locks the specified account"),
        Param("domainid", "uuid", required=True, description="Locks the account in this domain"),
    )

    def execute(self, caller, **p):
        return account_services.disable_account(caller, _account_from(caller, p, id_param=None), lock=True)


@register
class EnableAccount(Command):
    name = "enableAccount"
    description = "Enables an account"
    authorized = ADMINS
    response_name = "account"
    serializer = AccountSerializer
    params = ACCOUNT_REF

    def execute(self, caller, **p):
        return account_services.enable_account(caller, _account_from(caller, p))


@register
class DeleteAccount(Command):
    name = "deleteAccount"
    description = "Deletes an account and all its users"
    authorized = ADMINS
    is_async = True
    params = (Param("id", "uuid", required=True, description="Account id"),)

    instance_type = "Account"

    def job_instance(self, caller, params):
        return get_account(caller, params["id"])

    def execute(self, caller, **p):
        account_services.delete_account(caller, get_account(caller, p["id"]))
        return SUCCESS


# Users -----------------------------------------------------------------------------------------

@register
class ListUsers(Command):
    name = "listUsers"
    description = "Lists the users within the caller's reach"
    authorized = ALL_ROLES
    response_name = "user"
    serializer = UserSerializer
    params = LIST_PARAMS + (
        Param("username", description="List user by the username"),
        Param("account", description="List users of the account with this name"),
        Param("state", description="List users by state"),
    )

    def execute(self, caller, **p):
        users = scope_users(caller).select_related("account__domain", "account__role", "domain")
        users = users.filter(_subtree_filter(caller, p, prefix="account__"))
        if "id" in p:
            users = users.filter(uuid=p["id"])
        if "username" in p:
            users = users.filter(username__iexact=p["username"])
        if "account" in p:
            users = users.filter(account__name__iexact=p["account"])
        if "keyword" in p:
            users = users.filter(Q(username__icontains=p["keyword"]) | Q(first_name__icontains=p["keyword"])
                                 | Q(last_name__icontains=p["keyword"]) | Q(email__icontains=p["keyword"]))
        if "state" in p:
            users = users.filter(state__iexact=p["state"])
        return users


@register
class CreateUser(Command):
    name = "createUser"
    description = "Creates a user for an account that already exists"
    authorized = ADMINS
    response_name = "user"
    serializer = UserSerializer
    params = USER_FIELDS + (
        Param("account", required=True, description="Creates the user under the specified account"),
        Param("domainid", "uuid", description="Creates the user under the specified domain"),
    )

    def execute(self, caller, **p):
        account = _account_from(caller, p, id_param=None)
        return user_services.create_user(
            caller,
            account=account,
            username=p["username"],
            password=p["password"],
            first_name=p["firstname"],
            last_name=p["lastname"],
            email=p["email"],
            timezone=p.get("timezone", ""),
        )


@register
class UpdateUser(Command):
    name = "updateUser"
    description = "Updates a user account; with password, changes the password"
    authorized = ALL_ROLES
    response_name = "user"
    serializer = UserSerializer
    params = (
        Param("id", "uuid", required=True, description="User uuid"),
        Param("username", description="Unique username"),
        Param("firstname", description="first name"),
        Param("lastname", description="last name"),
        Param("email", description="email"),
        Param("timezone", description="Time zone of the user"),
        Param("password", secret=True, description="Clear text password (the new one)"),
        Param("currentpassword", secret=True, description="Current password, needed to change one's own password"),
    )

    def changes_own_password(self, caller, params) -> bool:
        return str(params.get("id")) == str(caller.uuid) and bool(params.get("password")) and bool(
            params.get("currentpassword"))

    def execute(self, caller, **p):
        user = get_user(caller, p["id"])
        if "password" in p:
            user = user_services.change_password(caller, user, password=p["password"],
                                                 current_password=p.get("currentpassword"))
        return user_services.update_user(
            caller, user, username=p.get("username"), first_name=p.get("firstname"), last_name=p.get("lastname"),
            email=p.get("email"), timezone=p.get("timezone"),
        )


USER_ID = (Param("id", "uuid", required=True, description="User uuid"),)


@register
class DisableUser(Command):
    name = "disableUser"
    description = "Disables a user account"
    authorized = ADMINS
    is_async = True
    response_name = "user"
    serializer = UserSerializer
    params = USER_ID

    instance_type = "User"

    def job_instance(self, caller, params):
        return get_user(caller, params["id"])

    def resource_url(self, result):
        return reverse("accounts:user_detail", args=[result.uuid])

    def execute(self, caller, **p):
        return user_services.disable_user(caller, get_user(caller, p["id"]))


@register
class LockUser(Command):
    name = "lockUser"
    description = "Locks a user account"
    authorized = ADMINS
    response_name = "user"
    serializer = UserSerializer
    params = USER_ID

    def execute(self, caller, **p):
        return user_services.disable_user(caller, get_user(caller, p["id"]), lock=True)


@register
class EnableUser(Command):
    name = "enableUser"
    description = "Enables a user account"
    authorized = ADMINS
    response_name = "user"
    serializer = UserSerializer
    params = USER_ID

    def execute(self, caller, **p):
        return user_services.enable_user(caller, get_user(caller, p["id"]))


@register
class DeleteUser(Command):
    name = "deleteUser"
    description = "Deletes a user"
    authorized = ADMINS
    params = USER_ID

    def execute(self, caller, **p):
        user_services.delete_user(caller, get_user(caller, p["id"]))
        return SUCCESS


@register
class RegisterUserKeys(Command):
    name = "registerUserKeys"
    description = "Generates the API key and secret key of a user (the secret is shown once)"
    authorized = ALL_ROLES
    response_name = "userkeys"
    serializer = UserKeysSerializer
    params = USER_ID

    def execute(self, caller, **p):
        api_key, secret_key = user_services.register_user_keys(caller, get_user(caller, p["id"]))
        return {"apikey": api_key, "secretkey": secret_key}


@register
class GetUserKeys(Command):
    name = "getUserKeys"
    description = ("This command allows the user to query the API key for the account; "
                   "the secret key is shown only once, when registerUserKeys creates it, so only the API key is answered")
    authorized = ALL_ROLES
    response_name = "userkeys"
    serializer = UserKeysSerializer
    params = USER_ID

    def execute(self, caller, **p):
        api_key = user_services.get_user_api_key(caller, get_user(caller, p["id"]))
        return {"apikey": api_key} if api_key else {}


# Roles -----------------------------------------------------------------------------------------

@register
class ListRoles(Command):
    name = "listRoles"
    description = "Lists the roles the caller may assign or see"
    authorized = ALL_ROLES
    response_name = "role"
    serializer = RoleSerializer
    params = (
        Param("id", "uuid", description="the role's ID"),
        Param("name", description="the role's name"),
        Param("type", choices=tuple(Role.Type.values), description="Admin, DomainAdmin or User"),
        Param("keyword", description="List by keyword"),
    )

    def execute(self, caller, **p):
        roles = Role.objects.all()
        if not caller.is_root_admin:
            roles = roles.exclude(type=Role.Type.ADMIN)
        if "id" in p:
            roles = roles.filter(uuid=p["id"])
        if "name" in p:
            roles = roles.filter(name__iexact=p["name"])
        if "type" in p:
            roles = roles.filter(type=p["type"])
        if "keyword" in p:
            roles = roles.filter(name__icontains=p["keyword"])
        return roles


# Sessions --------------------------------------------------------------------------------------

@register
class Login(Command):
    name = "login"
    description = "Starts a session: answers a sessionkey and sets the JSESSIONID cookie; later calls send both, until logout or expiry"
    authorized = ALL_ROLES
    params = (
        Param("username", required=True, description="Username"),
        Param("password", required=True, secret=True, description="Password"),
        Param("domain", max_length=1024, description="Path of the domain that the user belongs to, e.g. /Comp1/sales; ROOT if omitted"),
        Param("domainid", "uuid", description="The id of the domain that the user belongs to"),
    )

    def execute_for_request(self, request, raw: dict) -> dict:
        """Answers the sessionkey and sets the session cookie (POST only)."""
        if request.method != "POST":
            raise MethodNotAllowed("Please use HTTP POST to authenticate using this API")
        p = self.parse(raw)
        domain = p.get("domain", "")
        if "domainid" in p:
            found = Domain.objects.filter(uuid=p["domainid"]).first()
            if found is None:
                raise AuthenticationFailed(auth_services.GENERIC_FAILURE)
            domain = found.path
        user = auth_services.authenticate_user(p["username"], p["password"], domain, request.META.get("REMOTE_ADDR"))
        login(request, user, backend="accounts.backends.DomainUserBackend")
        return {
            "username": user.username, "userid": str(user.uuid), "domainid": str(user.account.domain.uuid),
            "timeout": str(request.session.get_expiry_age()), "account": user.account.name,
            "firstname": user.first_name, "lastname": user.last_name, "type": str(user.account.type),
            "timezone": user.timezone or None, "registered": "false",
            "passwordchangerequired": user.must_change_password, "sessionkey": new_session_key(request),
        }


@register
class Logout(Command):
    name = "logout"
    description = "Ends the session"
    authorized = ALL_ROLES

    def execute_for_request(self, request, raw: dict) -> dict:
        """Ends the session, whatever its state."""
        request.session.pop(SESSION_KEY, None)
        logout(request)
        return {"description": "success"}


# SSH key pairs ---------------------------------------------------------------------------------

OWNER = (
    Param("account", description="an optional account for the key pair; must be used with domainId"),
    Param("domainid", "uuid", description="an optional domainId for the key pair"),
)


@register
class ListSSHKeyPairs(Command):
    name = "listSSHKeyPairs"
    description = "Lists SSH key pairs (public parts and fingerprints)"
    authorized = ALL_ROLES
    response_name = "sshkeypair"
    serializer = SSHKeyPairSerializer
    params = LIST_PARAMS + (
        Param("name", description="A key pair name to look for"),
        Param("fingerprint", description="A public key fingerprint to look for"),
        Param("account", description="list key pairs of this account (with domainid)"),
        Param("listall", "boolean", description="admins: list the key pairs of every account in reach, not only the own"),
    )

    def execute(self, caller, **p):
        keypairs = scope_by_account(SSHKeyPair.objects.all(), caller).select_related("account__domain")
        if not (p.get("listall") or "account" in p or "domainid" in p):
            keypairs = keypairs.filter(account=caller.account_id)
        keypairs = keypairs.filter(_subtree_filter(caller, p, prefix="account__"))
        if "account" in p:
            keypairs = keypairs.filter(account=_account_from(caller, p, id_param=None))
        if "id" in p:
            keypairs = keypairs.filter(uuid=p["id"])
        if "name" in p:
            keypairs = keypairs.filter(name=p["name"])
        if "fingerprint" in p:
            keypairs = keypairs.filter(fingerprint__iexact=p["fingerprint"])
        if "keyword" in p:
            keypairs = keypairs.filter(name__icontains=p["keyword"])
        return keypairs


@register
class CreateSSHKeyPair(Command):
    name = "createSSHKeyPair"
    description = "Creates an SSH key pair; the private key is in this answer only"
    authorized = ALL_ROLES
    response_name = "keypair"
    serializer = SSHKeyPairSerializer
    params = (Param("name", required=True, description="Name of the keypair"),) + OWNER

    def execute(self, caller, **p):
        keypair, private_key = keypair_services.create_ssh_keypair(
            caller, name=p["name"], account=_optional_account(caller, p)
        )
        keypair.private_key = private_key
        return keypair


@register
class RegisterSSHKeyPair(Command):
    name = "registerSSHKeyPair"
    description = "Registers an existing public key under a name"
    authorized = ALL_ROLES
    response_name = "keypair"
    serializer = SSHKeyPairSerializer
    params = (
        Param("name", required=True, description="Name of the keypair"),
        Param("publickey", required=True, max_length=16384, description="Public key material of the keypair"),
    ) + OWNER

    def execute(self, caller, **p):
        return keypair_services.register_ssh_keypair(
            caller, name=p["name"], public_key=p["publickey"], account=_optional_account(caller, p)
        )


@register
class DeleteSSHKeyPair(Command):
    name = "deleteSSHKeyPair"
    description = "Deletes an SSH key pair, named by its name within the account"
    authorized = ALL_ROLES
    params = (Param("name", required=True, description="Name of the keypair"),) + OWNER

    def execute(self, caller, **p):
        keypair_services.delete_ssh_keypair(caller, name=p["name"], account=_optional_account(caller, p))
        return SUCCESS


# Resource limits ----------------------------------------------------------------------------------

LIMIT_PARAMS = (
    Param("account", description="the account (with domainid); default the caller's"),
    Param("domainid", "uuid", description="the account's domain"),
)


def _limited_account(caller, p):
    return _optional_account(caller, p) or caller.account


def _resource_type(p) -> int | None:
    """resourcetype (a number) or resourcetypename (user_vm, cpu...), as CloudStack takes either."""
    names = {label: value for value, label in limit_services.Type.choices}
    if p.get("resourcetypename"):
        if p["resourcetypename"] not in names:
            raise InvalidParameter(f"resourcetypename: {p['resourcetypename']!r} is not one of "
                                   f"{', '.join(names)}", field="resourcetypename")
        return names[p["resourcetypename"]]
    return p.get("resourcetype")


@register
class ListResourceLimits(Command):
    name = "listResourceLimits"
    description = "Lists an account's resource limits (its own, or the max.account.* defaults)"
    authorized = ALL_ROLES
    response_name = "resourcelimit"
    serializer = ResourceLimitSerializer
    params = LIMIT_PARAMS + (
        Param("resourcetype", "integer", description="0 instances, 2 volumes, 3 snapshots, 4 templates, 8 CPU "
                                                     "cores, 9 memory (MB), 10 primary storage (GB)"),
        Param("resourcetypename", description="user_vm, volume, snapshot, template, cpu, memory, primary_storage"),
    )

    def execute(self, caller, **p):
        resource_type = _resource_type(p)
        if resource_type is not None and resource_type not in limit_services.supported_types():
            return []
        return limit_services.usage_of([_limited_account(caller, p)], resource_type)


@register
class UpdateResourceLimit(Command):
    name = "updateResourceLimit"
    description = "Sets an account's limit of one resource type (-1: unlimited)"
    authorized = ADMINS
    response_name = "resourcelimit"
    serializer = ResourceLimitSerializer
    params = LIMIT_PARAMS + (
        Param("resourcetype", "integer", required=True, description="the type's number (see listResourceLimits)"),
        Param("max", "long", description="the most the account may have; -1 (the default) for no limit"),
    )

    def execute(self, caller, **p):
        if not p.get("account"):
            raise InvalidParameter("account: the account (and domainid) whose limit to set", field="account")
        return limit_services.update_resource_limit(caller, _limited_account(caller, p), p["resourcetype"],
                                                    p.get("max", -1))


@register
class UpdateResourceCount(Command):
    name = "updateResourceCount"
    description = "Answers an account's resource counts (counted live from its resources)"
    authorized = ADMINS
    is_list = True
    response_name = "resourcecount"
    serializer = ResourceCountSerializer
    params = LIMIT_PARAMS + (Param("resourcetype", "integer", description="one type only"),)

    def execute(self, caller, **p):
        resource_type = p.get("resourcetype")
        if resource_type is not None and resource_type not in limit_services.supported_types():
            raise InvalidParameter(f"resourcetype: {resource_type} is not one of the counted types",
                                   field="resourcetype")
        return limit_services.usage_of([_limited_account(caller, p)], resource_type)
