"""Business events: their types, their CloudEvents envelope, and the brokers they go to.

The journal writes events to its outbox in the same transaction as the state change
(``sources.journal``); the gateway's relay reads them back and hands them to a
``Publisher``: ``InProcessBus`` by default, ``JetStreamPublisher`` with NATS.
"""

from .cloudevents import SOURCE, SPEC_VERSION, CloudEvent, rfc3339
from .jetstream import JetStreamConfig, JetStreamPublisher
from .publisher import BrokerUnavailable, InProcessBus, Publisher, Subscriber
from .types import EVENT_TYPES, TYPE_PREFIX, event_type, subject_of

__all__ = [
    "EVENT_TYPES",
    "SOURCE",
    "SPEC_VERSION",
    "TYPE_PREFIX",
    "BrokerUnavailable",
    "CloudEvent",
    "InProcessBus",
    "JetStreamConfig",
    "JetStreamPublisher",
    "Publisher",
    "Subscriber",
    "event_type",
    "rfc3339",
    "subject_of",
]
