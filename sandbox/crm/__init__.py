"""Simulated Salesforce REST API (v60.0): OAuth, SOQL queries and sObject reads."""
