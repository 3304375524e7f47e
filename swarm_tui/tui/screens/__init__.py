"""Control room screens (modals and full-screen views)."""
