"""Evidence in: an organisation's event log read, checked and turned into a production environment."""
