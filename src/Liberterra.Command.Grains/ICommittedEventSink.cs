using System.Collections.Immutable;
using Liberterra.Command.Domain;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Liberterra.Command.Grains;

/// <summary>What this silo does with the committed batches it receives (the wall relay; nothing without one).</summary>
public interface ICommittedEventSink
{
    void OnCommitted(string operationId, CommittedEvent[] events);
}
