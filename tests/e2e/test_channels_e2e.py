"""Every channel the feature supports, end to end: after one `pulumi up` against a fresh flex-demo sandbox,
the seed's live webchat, SMS, WhatsApp and email interactions (`chats` of `GET /_sandbox/seed`, agent alice on
each) are each transferred warm and then cold through the DEPLOYED functions and Chat Transfer workflow. The
new task keeps the chat's task channel (webchat and WhatsApp are `chat` tasks, SMS `sms`, email `email`) and
reaches an agent who is not in the chat yet; warm keeps alice in the conversation, cold removes her."""

from __future__ import annotations

import pytest

from tests.e2e.transfers import Deployed, deployed_stack

pytestmark = pytest.mark.e2e

# Webchat and WhatsApp to Sales, SMS and email to Support: both queues of the stack carry transfers.
QUEUES = {"chat": "Sales", "sms": "Support", "whatsapp": "Sales", "email": "Support"}
CHANNEL = {"chat": "chat", "sms": "sms", "whatsapp": "chat", "email": "email"}


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    config = {
        "workspace": "Flex Task Assignment",
        "workerTransferQueue": "Everyone",
        "transferQueues": ["Sales", {"name": "Support", "timeout": 120}],
    }
    with deployed_stack(tmp_path_factory.mktemp("channels-e2e"), config) as stack:
        yield stack


@pytest.mark.parametrize("kind", ["chat", "sms", "whatsapp", "email"])
def test_a_warm_then_a_cold_transfer_keep_the_channel_and_reach_another_agent(deployed: Deployed, kind):
    chat = deployed.chat(kind)
    queue, alice = QUEUES[kind], deployed.worker_names[chat.agent]
    assert chat.task_channel == CHANNEL[kind]
    assert deployed.workspace.tasks(chat.task).fetch().assignment_status == "assigned"

    # Warm: alice invites the queue and stays; the new agent joins beside her.
    warm = deployed.invite(chat, queue, cold=False, in_conversation=[chat.agent])
    first = deployed.route_and_accept(chat, warm, queue, skipped=[chat.agent])
    assert first != chat.agent
    assert {alice, deployed.worker_names[first]} <= deployed.conversation_identities(chat.conversation)
    assert deployed.workspace.tasks(chat.task).fetch().assignment_status == "assigned"

    # Cold: alice invites the queue again and leaves; both agents in the chat are skipped.
    cold = deployed.invite(chat, queue, cold=True, in_conversation=[chat.agent, first])
    assert alice not in deployed.conversation_identities(chat.conversation)
    assert deployed.workspace.tasks(chat.task).fetch().assignment_status == "wrapping"
    second = deployed.route_and_accept(chat, cold, queue, skipped=[chat.agent, first])
    assert second not in (chat.agent, first)
    identities = deployed.conversation_identities(chat.conversation)
    assert {deployed.worker_names[first], deployed.worker_names[second]} <= identities
    assert alice not in identities
