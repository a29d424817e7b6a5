using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains;

/// <summary>What this silo does with the committed batches it receives (the wall relay; nothing without one).</summary>
public interface ICommittedEventSink
{
    void OnCommitted(string operationId, CommittedEvent[] events);
}
