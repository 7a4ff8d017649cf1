"""REST resources of the accounts app; each action is a registered command."""
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from accounts.api.serializers import (
    AccountSerializer,
    DomainSerializer,
    RoleSerializer,
    SSHKeyPairSerializer,
    UserKeysSerializer,
    UserSerializer,
)
from cloudstack_ui.api.rest.viewsets import CommandViewSet


class DomainViewSet(CommandViewSet):
    commands = {"list": "listDomains", "retrieve": "listDomains", "create": "createDomain",
                "partial_update": "updateDomain", "destroy": "deleteDomain"}
    serializer_class = DomainSerializer


class StateActionsMixin:
    """enable / disable / lock as POST sub-resources."""

    @action(detail=True, methods=["post"])
    def enable(self, request, id=None):
        return self.run_command("enable", {"id": id})

    @action(detail=True, methods=["post"])
    def disable(self, request, id=None):
        return self.run_command("disable", self.disable_params(id, lock=False))

    @action(detail=True, methods=["post"])
    def lock(self, request, id=None):
        return self.run_command("lock", self.disable_params(id, lock=True))


class AccountViewSet(StateActionsMixin, CommandViewSet):
    commands = {"list": "listAccounts", "retrieve": "listAccounts", "create": "createAccount",
                "partial_update": "updateAccount", "destroy": "deleteAccount", "enable": "enableAccount",
                "disable": "disableAccount", "lock": "disableAccount"}
    serializer_class = AccountSerializer

    def disable_params(self, id, *, lock: bool) -> dict:
        return {"id": id, "lock": lock}


class UserViewSet(StateActionsMixin, CommandViewSet):
    commands = {"list": "listUsers", "retrieve": "listUsers", "create": "createUser",
                "partial_update": "updateUser", "destroy": "deleteUser", "enable": "enableUser",
                "disable": "disableUser", "lock": "lockUser", "keys": "registerUserKeys"}
    serializer_class = UserSerializer

    def disable_params(self, id, *, lock: bool) -> dict:
        return {"id": id}

    @extend_schema(request=None, responses={200: UserKeysSerializer})
    @action(detail=True, methods=["post"])
    def keys(self, request, id=None):
        """New API and secret keys; the secret is in this answer only."""
        return self.run_command("keys", {"id": id})


class RoleViewSet(CommandViewSet):
    commands = {"list": "listRoles", "retrieve": "listRoles"}
    serializer_class = RoleSerializer


class SSHKeyPairViewSet(CommandViewSet):
    commands = {"list": "listSSHKeyPairs", "retrieve": "listSSHKeyPairs", "create": "createSSHKeyPair",
                "destroy": "deleteSSHKeyPair"}
    serializer_class = SSHKeyPairSerializer

    def destroy_params(self, id) -> dict:
        # deleteSSHKeyPair names the pair by name within its account.
        keypair = self.get_object(id)
        return {"name": keypair.name, "account": keypair.account.name, "domainid": keypair.account.domain.uuid}
