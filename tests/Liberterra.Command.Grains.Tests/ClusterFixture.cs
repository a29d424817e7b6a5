using System.Collections.Immutable;
using Liberterra.Command.Domain;
using Liberterra.Command.Storage;
using Liberterra.Command.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Orleans.Serialization;
using Orleans.TestingHost;

namespace Liberterra.Command.Grains.Tests;

/// <summary>
/// Two silos in one process on a fresh PostgreSQL database: the real timeline store (behind a switch that can make
/// appends fail) and operation snapshots in Orleans ADO.NET grain storage, written every 50 events; each operation grain
/// keeps only its 40 most recent idempotency keys in memory.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int SnapshotEvery = 50;

    /// <summary>Idempotency keys each operation grain keeps in memory: few, so that tests reach past them.</summary>
    public const int RecentKeys = 40;

    public FlakyTimelineStore Timeline { get; private set; } = null!;
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public NpgsqlDataSource Database { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>The operation grains' clock (Orleans keeps the real one for itself).</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("grains");
        Database = PostgresTimelineStore.CreateDataSource(connectionString);
        Timeline = new FlakyTimelineStore(new PostgresTimelineStore(Database));

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddLiberterraGrains();
            silo.Services.AddSingleton<ITimelineWriter>(Timeline);
            silo.Services.Configure<OperationGrainOptions>(o =>
            {
                o.SnapshotEvery = SnapshotEvery;
                o.RecentKeys = RecentKeys;
                o.CheckInScan = TimeSpan.FromHours(1); // only the tests' own CheckOverdue calls act on the fake clock
            });
            silo.Services.AddKeyedSingleton<TimeProvider>(OperationGrainOptions.ClockKey, Clock);
            silo.UseInMemoryReminderService();
            silo.AddAdoNetGrainStorage(OperationGrainOptions.StorageName, o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
                o.GrainStorageSerializer = new SnapshotSerializer();
            });
        });
        builder.ConfigureClient(client => client.Services.AddSerializer(s => s.AddLiberterraDomain()));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>Defines a fresh operation with teams in regions AR and MK and returns its id.</summary>
    public async Task<string> NewOperation(int teamsPerRegion = 3)
    {
        var id = $"op-{Guid.NewGuid():N}"[..20];
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var regions = ImmutableArray.Create(
            new RegionDefinition("AR", "Argentina", "AR", new GeoPoint(-34, -64), [ExploitationType.ForcedLabour]),
            new RegionDefinition("MK", "North Macedonia", "MK", new GeoPoint(41.6, 21.7), [ExploitationType.SexualExploitation]));
        var teams = regions.SelectMany(r => Enumerable.Range(1, teamsPerRegion)
                .Select(i => new TeamDefinition($"{r.Id}-RAID-{i:D2}", TeamKind.RaidTeam, r.Id, $"{r.Name} {i}", "Police")))
            .ToImmutableArray();
        var outcome = await Grains.GetGrain<IOperationGrain>(id)
            .Define(new OperationDefinition(id, "Test", start, start.AddDays(6), true, regions, teams), "test");
        Assert.Null(outcome.Error);
        return id;
    }

    public Task<CommandOutcome> Report(string op, string team, string key, Tally counts, TeamStatus? status = null) =>
        Grains.GetGrain<IOperationGrain>(op).Submit(new TeamCommand(
            op, team, key, "lead", null, new FieldReported(new FieldReport(status, counts, [], null, null))));
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>The real timeline store as the operation grain sees it, with a switch that makes appends fail as an unreachable database would.</summary>
public sealed class FlakyTimelineStore(PostgresTimelineStore inner) : ITimelineWriter
{
    private volatile bool _failing;
    private volatile bool _loseNextAcknowledgement;

    /// <summary>Every append fails, as with the database out of reach.</summary>
    public bool Failing { get => _failing; set => _failing = value; }

    /// <summary>The next append is committed, then reported as failed: a connection lost during the commit.</summary>
    public bool LoseNextAcknowledgement { get => _loseNextAcknowledgement; set => _loseNextAcknowledgement = value; }

    private TaskCompletionSource<bool>? _armed;
    private TaskCompletionSource<bool>? _held;
    private string? _holdFor;

    /// <summary>Completes when the append armed by <see cref="HoldNextAppend"/> has started and waits.</summary>
    public Task Holding { get; private set; } = Task.CompletedTask;

    /// <summary>The next append to <paramref name="operationId"/> waits, in flight, until <see cref="ReleaseHeldAppend"/>.</summary>
    public void HoldNextAppend(string operationId)
    {
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Holding = holding.Task;
        _holding = holding;
        _held = null;
        _holdFor = operationId;
        _armed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private TaskCompletionSource? _holding;

    /// <summary>The held append goes on: stored, or failing as with the database out of reach.</summary>
    public void ReleaseHeldAppend(bool store) => (_held ?? _armed)?.TrySetResult(store);

    /// <summary>The idempotency keys of every append tried, in order, one array per statement.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string[]> Appends { get; } = new();

    public async Task AppendAsync(string operationId, IReadOnlyList<TimelineEvent> events, CancellationToken cancellationToken = default)
    {
        Appends.Enqueue([.. events.Select(e => e.IdempotencyKey)]);
        if (operationId == _holdFor && Interlocked.Exchange(ref _armed, null) is { } hold)
        {
            _held = hold;
            _holding?.TrySetResult();
            if (!await hold.Task) throw new IOException("database unreachable");
        }

        if (Failing) throw new IOException("database unreachable");
        await inner.AppendAsync(operationId, events, cancellationToken);
        if (LoseNextAcknowledgement)
        {
            LoseNextAcknowledgement = false;
            throw new IOException("connection lost during commit");
        }
    }

    /// <summary>
    /// While set for an operation, reading its timeline finds nothing, at once (synchronously), as a read of a database
    /// whose answer is already there can: for a test that knows nothing new was stored.
    /// </summary>
    public string? ReadNothingAtOnceFrom { get; set; }

    public IAsyncEnumerable<TimelineEvent> ReadAsync(string operationId, long afterSeq, CancellationToken cancellationToken = default) =>
        operationId == ReadNothingAtOnceFrom ? AsyncEnumerable.Empty<TimelineEvent>() : inner.ReadAsync(operationId, afterSeq, cancellationToken);

    public Task<TimelineEvent?> ReadEventAsync(string operationId, long seq, CancellationToken cancellationToken = default) =>
        inner.ReadEventAsync(operationId, seq, cancellationToken);

    public IAsyncEnumerable<KeyRecord> ReadKeysAsync(string operationId, long afterSeq, long upToSeq, CancellationToken cancellationToken = default) =>
        inner.ReadKeysAsync(operationId, afterSeq, upToSeq, cancellationToken);

    public Task<IReadOnlyList<KeyRecord>> FindKeysAsync(string operationId, IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default) =>
        inner.FindKeysAsync(operationId, keys, cancellationToken);

    private volatile Tuple<string, TaskCompletionSource>? _pastStateHold;

    /// <summary>
    /// From now on, the operation's past-state saves (the second half of a snapshot write) wait until
    /// <see cref="ReleasePastStates"/>: a snapshot write held up as by a database or a cluster in trouble.
    /// </summary>
    public void HoldPastStates(string operationId) =>
        _pastStateHold = Tuple.Create(operationId, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>The held past-state saves go on.</summary>
    public void ReleasePastStates() => Interlocked.Exchange(ref _pastStateHold, null)?.Item2.TrySetResult();

    public async Task SavePastStateAsync(string operationId, long seq, string state, CancellationToken cancellationToken = default)
    {
        if (_pastStateHold is { } hold && hold.Item1 == operationId) await hold.Item2.Task.WaitAsync(cancellationToken);
        await inner.SavePastStateAsync(operationId, seq, state, cancellationToken);
    }
}
