from django.urls import path

from cloudstack_ui.realtime.consumers import EventConsumer

websocket_urlpatterns = [path("client/ws/events", EventConsumer.as_asgi())]
