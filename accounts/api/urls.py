from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter()
router.register("domains", views.DomainViewSet, basename="domains")
router.register("accounts", views.AccountViewSet, basename="accounts")
router.register("users", views.UserViewSet, basename="users")
router.register("roles", views.RoleViewSet, basename="roles")
router.register("sshkeypairs", views.SSHKeyPairViewSet, basename="sshkeypairs")
urlpatterns = router.urls
