"""Wire the investigation graph.

An alert: triage -> gather (in parallel) -> diagnose -> plan_actions; a chat request: plan_request.
Both: -> approval? -> execute -> report.
"""

from __future__ import annotations

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from copilot.graph import nodes
from copilot.graph.state import InvestigationState
from copilot.services import Services

GATHER = ("gather_incidents", "gather_manual", "gather_history", "gather_sensors", "gather_fmea")


InvestigationGraph = CompiledStateGraph[InvestigationState, Services, InvestigationState, InvestigationState]


def build_investigation_graph(*, checkpointer: BaseCheckpointSaver | None) -> InvestigationGraph:
    """Compile the investigation graph with the given checkpointer."""
    graph = StateGraph(InvestigationState, context_schema=Services)
    graph.add_node("plan_request", nodes.plan_request)
    graph.add_node("triage", nodes.triage)
    graph.add_node("gather_incidents", nodes.gather_incidents)
    graph.add_node("gather_manual", nodes.gather_manual)
    graph.add_node("gather_history", nodes.gather_history)
    graph.add_node("gather_sensors", nodes.gather_sensors)
    graph.add_node("gather_fmea", nodes.gather_fmea)
    graph.add_node("diagnose", nodes.diagnose)
    graph.add_node("plan_actions", nodes.plan_actions)
    graph.add_node("approval", nodes.approval)
    graph.add_node("execute", nodes.execute)
    graph.add_node("report", nodes.report)

    graph.add_conditional_edges(START, nodes.route_start, ["plan_request", "triage"])
    for name in GATHER:
        graph.add_edge("triage", name)
    graph.add_edge(list(GATHER), "diagnose")
    graph.add_edge("diagnose", "plan_actions")
    graph.add_conditional_edges("plan_actions", nodes.route_after_plan, ["approval", "execute"])
    graph.add_conditional_edges("plan_request", nodes.route_after_plan, ["approval", "execute"])
    graph.add_conditional_edges("approval", nodes.route_after_approval, ["execute", "report", "triage"])
    graph.add_edge("execute", "report")
    graph.add_edge("report", END)
    return graph.compile(checkpointer=checkpointer)


def thread_id(investigation_id: int) -> str:
    return f"investigation-{investigation_id}"


def thread_config(investigation_id: int) -> RunnableConfig:
    """The LangGraph config of an investigation's thread."""
    return {"configurable": {"thread_id": thread_id(investigation_id)}}
