"""Organisations (forces, policing bodies, national bodies, inspectorates) and who must answer what."""
