"""Live updates to the browser over Channels: job progress and events,
pushed to a group per account."""
