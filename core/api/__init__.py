"""The integration API's core: its schemas, read models and changes (/api/v1).

Above staff and views (it may use their read models); below the demo. No web
imports: console/api turns these into HTTP.
"""
