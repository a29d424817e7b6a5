using System.Runtime.CompilerServices;
using Liberterra.Command.Domain;

namespace Liberterra.Command.Storage;

/// <summary>
/// A timeline held in process memory, for quick experiments and tests. It enforces the same rules as the database
/// (gap-free sequence, one event per idempotency key) but forgets everything when the process ends, and it is only
/// shared by silos that run in the same process.
/// </summary>
public sealed class InMemoryTimelineStore : ITimelineWriter, ITimelineReader
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Timeline> _timelines = new(StringComparer.Ordinal);

    public Task AppendAsync(string operationId, IReadOnlyList<TimelineEvent> events, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_timelines.TryGetValue(operationId, out var timeline))
            {
                timeline = new Timeline();
                _timelines[operationId] = timeline;
            }

            var next = timeline.Events.Count + 1L;
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in events)
            {
                if (e.OperationId != operationId)
                    throw new ArgumentException($"Event {e.Seq} belongs to '{e.OperationId}', not '{operationId}'.", nameof(events));
                if (e.Seq != next++)
                    throw new TimelineConflictException($"Sequence number {e.Seq} of '{operationId}' is not the next one.");
                if (timeline.Keys.Contains(e.IdempotencyKey) || !keys.Add(e.IdempotencyKey))
                    throw new TimelineConflictException($"Idempotency key '{e.IdempotencyKey}' is already in '{operationId}'.") { KeyTaken = true };
            }

            timeline.Events.AddRange(events);
            timeline.Keys.UnionWith(keys);
        }

        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<TimelineEvent> ReadAsync(
        string operationId, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var e in Copy(operationId, events => events.Skip((int)Math.Min(afterSeq, int.MaxValue))))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }

        await Task.CompletedTask;
    }

    public Task<IReadOnlyList<TimelineEvent>> ReadTeamAsync(string operationId, string teamId, long afterSeq, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TimelineEvent>>(Copy(operationId, events => events.Where(e => e.Seq > afterSeq && e.TeamId == teamId).Take(limit)));

    // A copy taken under the lock, so that readers never see a list being appended to.
    private TimelineEvent[] Copy(string operationId, Func<IEnumerable<TimelineEvent>, IEnumerable<TimelineEvent>> select)
    {
        lock (_gate)
        {
            return _timelines.TryGetValue(operationId, out var timeline) ? [.. select(timeline.Events)] : [];
        }
    }

    public Task<TimelineEvent?> ReadEventAsync(string operationId, long seq, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_timelines.TryGetValue(operationId, out var timeline) && seq >= 1 && seq <= timeline.Events.Count
                ? timeline.Events[(int)seq - 1]
                : null);
        }
    }

    public async IAsyncEnumerable<KeyRecord> ReadKeysAsync(
        string operationId, long afterSeq, long upToSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var e in Copy(operationId, events => events.Where(e => e.Seq > afterSeq && e.Seq <= upToSeq)))
        {
            yield return new KeyRecord(e.IdempotencyKey, Fingerprints.Of(e), e.Seq);
        }

        await Task.CompletedTask;
    }

    public Task<IReadOnlyList<KeyRecord>> FindKeysAsync(string operationId, IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
    {
        var wanted = keys.ToHashSet(StringComparer.Ordinal);
        return Task.FromResult<IReadOnlyList<KeyRecord>>(
            [.. Copy(operationId, events => events.Where(e => wanted.Contains(e.IdempotencyKey))).Select(e => new KeyRecord(e.IdempotencyKey, Fingerprints.Of(e), e.Seq))]);
    }

    public Task<IReadOnlyList<string>> ListOperationsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<string>>(_timelines.Keys.Order(StringComparer.Ordinal).ToList());
        }
    }

    private readonly Dictionary<(string, long), string> _pastStates = [];
    private readonly List<(string Operation, SignificantMark Mark)> _marks = [];

    public Task<int[]> HistogramAsync(string operationId, DateTimeOffset from, DateTimeOffset to, int buckets, CancellationToken cancellationToken = default)
    {
        var counts = new int[buckets];
        var width = Math.Max(1, (to - from).Ticks);
        foreach (var e in Copy(operationId, events => events.Where(e => e.ServerTime >= from && e.ServerTime <= to)))
            counts[Math.Min(buckets - 1, (int)((e.ServerTime - from).Ticks * buckets / width))]++;
        return Task.FromResult(counts);
    }

    public Task<SignificantMark> MarkAsync(string operationId, long seq, string title, string markedBy, bool withdrawn, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_timelines.TryGetValue(operationId, out var timeline) || seq < 1 || seq > timeline.Events.Count)
                throw new ArgumentOutOfRangeException(nameof(seq), $"No event {seq} in '{operationId}'.");
            var mark = new SignificantMark(seq, title, markedBy, DateTimeOffset.UtcNow, withdrawn);
            _marks.Add((operationId, mark));
            return Task.FromResult(mark);
        }
    }

    public Task<IReadOnlyList<SignificantMark>> ListMarksAsync(string operationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<SignificantMark>>(_marks.Where(m => m.Operation == operationId).Select(m => m.Mark)
                .GroupBy(m => m.Seq).Select(g => g.Last()).Where(m => !m.Withdrawn).OrderBy(m => m.Seq).ToList());
        }
    }

    public async IAsyncEnumerable<TimelineEvent> ReadRangeAsync(
        string operationId, long afterSeq, long upToSeq, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var e in Copy(operationId, events => events.Where(e => e.Seq > afterSeq && e.Seq <= upToSeq)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }

        await Task.CompletedTask;
    }

    public Task<IReadOnlyList<TimelineEvent>> QueryAsync(string operationId, TimelineQuery query, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TimelineEvent>>(Copy(operationId, events => events.Where(query.Matches).Take(query.Limit)));

    public Task<long> SeqAtAsync(string operationId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        Task.FromResult(Copy(operationId, events => events.Where(e => e.ServerTime <= at)).Select(e => e.Seq).DefaultIfEmpty(0).Max());

    public Task<(long Seq, string State)?> ReadPastStateAsync(string operationId, long seq, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var best = _pastStates.Where(p => p.Key.Item1 == operationId && p.Key.Item2 <= seq).OrderByDescending(p => p.Key.Item2).FirstOrDefault();
            return Task.FromResult<(long, string)?>(best.Value is null ? null : (best.Key.Item2, best.Value));
        }
    }

    public Task SavePastStateAsync(string operationId, long seq, string state, CancellationToken cancellationToken = default)
    {
        lock (_gate) _pastStates[(operationId, seq)] = state;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TimelineEvent>> ReadLatestAsync(
        string operationId, IReadOnlyList<string> kinds, int limit, long upToSeq = long.MaxValue, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TimelineEvent>>(
            Copy(operationId, events => Enumerable.Reverse(events).Where(e => e.Seq <= upToSeq && kinds.Contains(e.Kind)).Take(limit)));

    public Task<IReadOnlyList<ActivityCell>> ReadActivityAsync(
        string operationId, DateTimeOffset from, TimeSpan bucket, int buckets, CancellationToken cancellationToken = default)
    {
        var end = from + bucket * buckets;
        var cells = new Dictionary<(string Team, int Bucket), Tally>();
        foreach (var e in Copy(operationId, events => events.Where(e => e.TeamId is not null && e.ServerTime >= from && e.ServerTime < end)))
        {
            var counts = e.Payload switch
            {
                FieldReported r => r.Report.Counts,
                ReportCorrected c => c.Correction.Delta,
                _ => Tally.Zero,
            };
            if (counts.IsZero) continue;
            var key = (e.TeamId!, (int)((e.ServerTime - from).Ticks / bucket.Ticks));
            cells[key] = cells.GetValueOrDefault(key, Tally.Zero).Add(counts);
        }

        return Task.FromResult<IReadOnlyList<ActivityCell>>(
            cells.Where(c => !c.Value.IsZero).Select(c => new ActivityCell(c.Key.Team, c.Key.Bucket, c.Value)).ToList());
    }

    private sealed class Timeline
    {
        public List<TimelineEvent> Events { get; } = [];
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }
}
