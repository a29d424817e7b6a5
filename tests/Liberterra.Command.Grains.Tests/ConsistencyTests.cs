using Liberterra.Command.Domain;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Grains.Tests;

[Collection(ClusterCollection.Name)]
public class ConsistencyTests(ClusterFixture fixture)
{
    [Fact]
    public async Task concurrent_reports_from_many_teams_sum_exactly_at_every_level()
    {
        var op = await fixture.NewOperation(teamsPerRegion: 4);
        var teams = new[] { "AR-RAID-01", "AR-RAID-02", "AR-RAID-03", "AR-RAID-04", "MK-RAID-01", "MK-RAID-02", "MK-RAID-03", "MK-RAID-04" };
        var sent = await Task.WhenAll(Enumerable.Range(0, 400).Select(async i =>
        {
            var counts = new Tally(i % 3, i % 2, i % 5 == 0 ? 1 : 0, i % 4);
            var outcome = await fixture.Report(op, teams[i % teams.Length], $"sum-key-{i:D6}", counts);
            Assert.Null(outcome.Error);
            return counts;
        }));

        var expected = sent.Aggregate(Tally.Zero, (a, t) => a.Add(t));
        var state = (await fixture.Grains.GetGrain<IOperationGrain>(op).GetState())!;
        Assert.Equal(expected, state.Totals);
        Assert.Equal(401, state.LastSeq);
        Assert.Equal(state.Totals, state.Regions["AR"].Totals.Add(state.Regions["MK"].Totals));

        // The team and region grains are views updated one-way: read as of the last event that changed each, they are
        // current (a view behind it asks the operation first).
        foreach (var team in teams)
        {
            var view = await fixture.Grains.GetGrain<ITeamGrain>(GrainKeys.Team(op, team)).GetState(state.Teams[team].LastSeq);
            Assert.Equal(Json(state.Teams[team]), Json(view));
        }

        foreach (var region in new[] { "AR", "MK" })
        {
            var view = await fixture.Grains.GetGrain<IHotspotRegionGrain>(GrainKeys.Region(op, region)).GetState(state.Regions[region].LastSeq);
            Assert.Equal(Json(state.Regions[region]), Json(view));
        }
    }

    [Fact]
    public async Task a_deactivation_does_not_wait_for_a_snapshot_write_held_up()
    {
        var op = await fixture.NewOperation();
        for (var i = 0; i < 5; i++)
            Assert.Null((await fixture.Report(op, "AR-RAID-01", $"held-key-{i:D4}", new Tally(1, 0, 0, 0))).Error);
        var grain = fixture.Grains.GetGrain<IOperationGrain>(op);
        var before = await grain.GetState();

        fixture.Timeline.HoldPastStates(op);
        try
        {
            // Orleans would wait 30 s (its deactivation timeout); the grain gives its snapshot 2 s, then goes.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await fixture.Cluster.DeactivateAsync(grain);
            var after = await grain.GetState();   // a new activation: it folds what the snapshot did not cover
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the operation was away for {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(Json(before), Json(after));
            Assert.Null((await fixture.Report(op, "AR-RAID-01", "held-key-after", new Tally(1, 0, 0, 0))).Error);
        }
        finally
        {
            fixture.Timeline.ReleasePastStates();
        }
    }

    [Fact]
    public async Task a_reactivated_operation_is_exactly_the_fold_of_its_timeline()
    {
        var op = await fixture.NewOperation();
        for (var i = 0; i < 30; i++)
            Assert.Null((await fixture.Report(op, i % 2 == 0 ? "AR-RAID-01" : "MK-RAID-02", $"fold-key-{i:D4}", new Tally(1, i % 3, 0, 1))).Error);

        var grain = fixture.Grains.GetGrain<IOperationGrain>(op);
        var before = await grain.GetState();
        await fixture.Cluster.DeactivateAsync(grain);
        var after = await grain.GetState();

        var fold = OperationReducer.Fold(null, await fixture.Timeline.ReadAsync(op, 0).ToListAsync());
        Assert.Equal(Json(fold), Json(after));
        Assert.Equal(Json(before), Json(after));

        // Keys survive reactivation too: a late retry is still recognised.
        var retry = await fixture.Report(op, "AR-RAID-01", "fold-key-0000", new Tally(1, 0, 0, 1));
        Assert.True(retry.Replayed);
    }

    [Fact]
    public async Task when_the_timeline_cannot_be_written_nothing_is_half_applied()
    {
        var op = await fixture.NewOperation();
        Assert.Null((await fixture.Report(op, "AR-RAID-01", "down-key-0001", new Tally(2, 0, 0, 0))).Error);
        var grain = fixture.Grains.GetGrain<IOperationGrain>(op);
        var before = await grain.GetState();

        fixture.Timeline.Failing = true;
        try
        {
            var failures = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
                Record.ExceptionAsync(() => fixture.Report(op, "MK-RAID-01", $"down-key-{i + 10:D4}", new Tally(1, 1, 1, 1)))));
            Assert.All(failures, f => Assert.IsType<TimelineUnavailableException>(f));
            Assert.Equal(Json(before), Json(await grain.GetState()));
        }
        finally
        {
            fixture.Timeline.Failing = false;
        }

        // The clients retry with the same keys once the store is back: each report counts exactly once.
        var retries = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            fixture.Report(op, "MK-RAID-01", $"down-key-{i + 10:D4}", new Tally(1, 1, 1, 1))));
        Assert.All(retries, r => Assert.False(r.Replayed));
        var after = (await grain.GetState())!;
        Assert.Equal(new Tally(12, 10, 10, 10), after.Totals);
        Assert.Equal(before!.LastSeq + 10, after.LastSeq);
        Assert.Equal(Json(OperationReducer.Fold(null, await fixture.Timeline.ReadAsync(op, 0).ToListAsync())), Json(after));
    }

    // The rule (docs/api.md, "Refusals and what is stored"): a command refused only against a report of its team that
    // is still being committed waits for that commit and is judged again against what was stored.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task a_command_refused_against_a_report_still_in_flight_waits_for_it_and_is_judged_again(bool stored)
    {
        var op = await fixture.NewOperation();
        var grain = fixture.Grains.GetGrain<IOperationGrain>(op);
        Assert.Null((await fixture.Report(op, "AR-RAID-01", $"judge-{stored}-1", new Tally(0, 0, 0, 0), TeamStatus.Briefed)).Error);

        fixture.Timeline.HoldNextAppend(op);
        var onward = fixture.Report(op, "AR-RAID-01", $"judge-{stored}-2", new Tally(1, 0, 0, 0), TeamStatus.EnRoute);
        await fixture.Timeline.Holding.WaitAsync(TimeSpan.FromSeconds(10));
        // Legal from Briefed, not from EnRoute, which is in flight: no answer yet, whatever it will be.
        var back = fixture.Report(op, "AR-RAID-01", $"judge-{stored}-3", new Tally(0, 1, 0, 0), TeamStatus.Standby);
        Assert.NotSame(back, await Task.WhenAny(back, Task.Delay(TimeSpan.FromMilliseconds(500))));

        fixture.Timeline.ReleaseHeldAppend(stored);
        var answer = await back;
        if (stored)
        {
            // EnRoute was stored: the refusal names it, and the state read right after says the same.
            Assert.Null((await onward).Error);
            Assert.Equal(DomainErrorKind.IllegalTransition, answer.Error?.Kind);
            Assert.Contains("in status EnRoute", answer.Error!.Detail);
            Assert.Equal(TeamStatus.EnRoute, (await grain.GetState())!.Teams["AR-RAID-01"].Status);
        }
        else
        {
            // EnRoute never happened: Standby was judged against Briefed, and accepted.
            await Assert.ThrowsAsync<TimelineUnavailableException>(() => onward);
            Assert.Null(answer.Error);
            Assert.Equal(TeamStatus.Standby, (await grain.GetState())!.Teams["AR-RAID-01"].Status);
        }
    }

    [Fact]
    public async Task a_command_judged_again_inline_as_a_failed_write_is_answered_is_not_left_behind_in_the_queue()
    {
        // As in the test above with nothing stored, but the reload's read completes at once: the refused command's
        // continuation then runs inside the failing write's loop, reloads and is queued again before that loop ends.
        var op = await fixture.NewOperation();
        Assert.Null((await fixture.Report(op, "AR-RAID-01", "inline-1", new Tally(0, 0, 0, 0), TeamStatus.Briefed)).Error);
        fixture.Timeline.HoldNextAppend(op);
        var onward = fixture.Report(op, "AR-RAID-01", "inline-2", new Tally(1, 0, 0, 0), TeamStatus.EnRoute);
        await fixture.Timeline.Holding.WaitAsync(TimeSpan.FromSeconds(10));
        var back = fixture.Report(op, "AR-RAID-01", "inline-3", new Tally(0, 1, 0, 0), TeamStatus.Standby);
        Assert.NotSame(back, await Task.WhenAny(back, Task.Delay(TimeSpan.FromMilliseconds(500))));

        fixture.Timeline.ReadNothingAtOnceFrom = op;
        try
        {
            fixture.Timeline.ReleaseHeldAppend(false);
            await Assert.ThrowsAsync<TimelineUnavailableException>(() => onward);
            var answer = await back.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Null(answer.Error);
        }
        finally
        {
            fixture.Timeline.ReadNothingAtOnceFrom = null;
        }

        Assert.Equal(TeamStatus.Standby, (await fixture.Grains.GetGrain<IOperationGrain>(op).GetState())!.Teams["AR-RAID-01"].Status);
    }

    [Fact]
    public async Task a_commit_whose_acknowledgement_was_lost_is_found_again_and_counted_once()
    {
        var op = await fixture.NewOperation();
        var grain = fixture.Grains.GetGrain<IOperationGrain>(op);
        fixture.Timeline.LoseNextAcknowledgement = true;
        await Assert.ThrowsAsync<TimelineUnavailableException>(() => fixture.Report(op, "AR-RAID-01", "lost-ack-0001", new Tally(3, 0, 0, 1)));

        // The client retries with the same key: the grain reads the timeline again, finds the event, answers with it.
        var retry = await fixture.Report(op, "AR-RAID-01", "lost-ack-0001", new Tally(3, 0, 0, 1));
        Assert.True(retry.Replayed);
        Assert.Equal(2, retry.Event!.Seq);
        var next = await fixture.Report(op, "AR-RAID-01", "lost-ack-0002", new Tally(1, 0, 0, 0));
        Assert.Equal(3, next.Event!.Seq);
        var state = (await grain.GetState())!;
        Assert.Equal(new Tally(4, 0, 0, 1), state.Totals);
        Assert.Equal(new Tally(4, 0, 0, 1), (await fixture.Grains.GetGrain<ITeamGrain>(GrainKeys.Team(op, "AR-RAID-01")).GetState(next.Event.Seq))!.Totals);
        Assert.Equal(Json(OperationReducer.Fold(null, await fixture.Timeline.ReadAsync(op, 0).ToListAsync())), Json(state));
    }

    [Fact]
    public async Task an_activation_starts_from_its_snapshot_and_folds_the_events_after_it()
    {
        var op = await fixture.NewOperation();
        var total = ClusterFixture.SnapshotEvery * 2 + 17;
        for (var i = 0; i < total; i++)
            Assert.Null((await fixture.Report(op, i % 3 == 0 ? "MK-RAID-03" : "AR-RAID-02", $"snap-key-{i:D5}", new Tally(1, 0, i % 2, 0))).Error);

        var grain = fixture.Grains.GetGrain<IOperationGrain>(op);
        var live = (await grain.GetState())!;
        var snapshotSeq = await Wait.Until(() => SnapshotSeq(op), seq => seq >= ClusterFixture.SnapshotEvery, what: "a snapshot");
        Assert.True(snapshotSeq < live.LastSeq, $"snapshot at {snapshotSeq}, timeline at {live.LastSeq}: nothing left to fold");

        await fixture.Cluster.DeactivateAsync(grain);
        var rebuilt = (await grain.GetState())!;
        var fold = OperationReducer.Fold(null, await fixture.Timeline.ReadAsync(op, 0).ToListAsync());
        Assert.Equal(Json(fold), Json(rebuilt));
        Assert.Equal(Json(live), Json(rebuilt));

        // A key from before the snapshot is still recognised and answered with its original event.
        var retry = await fixture.Report(op, "MK-RAID-03", "snap-key-00000", new Tally(1, 0, 0, 0));
        Assert.True(retry.Replayed);
        Assert.Equal(2, retry.Event!.Seq);
    }

    [Fact]
    public async Task a_snapshot_written_meanwhile_by_another_writer_does_not_stop_this_activation_snapshotting()
    {
        var op = await fixture.NewOperation();
        var n = 0;
        async Task Reports(int count)
        {
            for (var end = n + count; n < end; n++)
                Assert.Null((await fixture.Report(op, "AR-RAID-01", $"other-writer-{n:D5}", new Tally(0, 0, 0, 1))).Error);
        }

        await Reports(ClusterFixture.SnapshotEvery + 5);
        await Wait.Until(() => SnapshotSeq(op), seq => seq >= ClusterFixture.SnapshotEvery, what: "the first snapshot");

        // The stored version moves on behind the grain's back, as when a second activation of it wrote a snapshot
        // while the cluster's membership changed (seen in the failover test).
        await using (var bump = fixture.Database.CreateCommand(
            "UPDATE orleansstorage SET version = version + 1 WHERE convert_from(payloadbinary, 'UTF8') LIKE $1"))
        {
            bump.Parameters.Add(new Npgsql.NpgsqlParameter { Value = $"%\"id\":\"{op}\"%" });
            Assert.Equal(1, await bump.ExecuteNonQueryAsync());
        }

        await Reports(ClusterFixture.SnapshotEvery + 5);
        var live = (await fixture.Grains.GetGrain<IOperationGrain>(op).GetState())!;
        await Wait.Until(() => SnapshotSeq(op), seq => seq >= ClusterFixture.SnapshotEvery * 2, what: "a snapshot after the conflict");
        Assert.True(await SnapshotSeq(op) <= live.LastSeq);
    }

    // The snapshot as Orleans' ADO.NET grain storage holds it in PostgreSQL.
    private async Task<long> SnapshotSeq(string op)
    {
        await using var cmd = fixture.Database.CreateCommand(
            "SELECT payloadbinary FROM orleansstorage WHERE grainidextensionstring = $1 OR convert_from(payloadbinary, 'UTF8') LIKE $2");
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = op });
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = $"%\"id\":\"{op}\"%" });
        await using var reader = await cmd.ExecuteReaderAsync();
        long best = 0;
        while (await reader.ReadAsync())
        {
            var snapshot = System.Text.Json.JsonSerializer.Deserialize<OperationSnapshot>(reader.GetFieldValue<byte[]>(0), DomainJson.Options);
            best = Math.Max(best, snapshot?.State?.LastSeq ?? 0);
        }

        return best;
    }

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, DomainJson.Options);

}
