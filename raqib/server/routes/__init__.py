"""One router per resource: auth and users, state, zones, alerts, sensors, recordings, live."""
