using Liberterra.Command.Domain;

namespace Liberterra.Command.Grains.Tests;

[Collection(ClusterCollection.Name)]
public class ExactlyOnceTests(ClusterFixture fixture)
{
    [Fact]
    public async Task the_same_key_sent_many_times_at_once_counts_once()
    {
        var op = await fixture.NewOperation();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 25)
            .Select(_ => fixture.Report(op, "AR-RAID-01", "storm-key-0001", new Tally(3, 1, 0, 2))));

        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Single(outcomes, o => !o.Replayed);
        Assert.Single(outcomes.Select(o => o.Event!.Seq).Distinct());
        var state = await fixture.Grains.GetGrain<IOperationGrain>(op).GetState();
        Assert.Equal(new Tally(3, 1, 0, 2), state!.Totals);
        Assert.Equal(2, state.LastSeq);
    }

    [Fact]
    public async Task a_key_reused_for_a_different_report_is_refused_and_changes_nothing()
    {
        var op = await fixture.NewOperation();
        Assert.Null((await fixture.Report(op, "AR-RAID-01", "reused-key-01", new Tally(1, 0, 0, 0))).Error);

        var reused = await fixture.Report(op, "AR-RAID-01", "reused-key-01", new Tally(2, 0, 0, 0));
        var otherTeam = await fixture.Report(op, "MK-RAID-01", "reused-key-01", new Tally(1, 0, 0, 0));

        Assert.Equal(DomainErrorKind.IdempotencyKeyReused, reused.Error?.Kind);
        Assert.Equal(DomainErrorKind.IdempotencyKeyReused, otherTeam.Error?.Kind);
        Assert.Equal(new Tally(1, 0, 0, 0), (await fixture.Grains.GetGrain<IOperationGrain>(op).GetState())!.Totals);
    }

    [Fact]
    public async Task a_retry_after_the_team_moved_on_still_gets_the_original_answer()
    {
        var op = await fixture.NewOperation();
        var first = await fixture.Report(op, "AR-RAID-01", "move-key-0001", Tally.Zero, TeamStatus.Briefed);
        await fixture.Report(op, "AR-RAID-01", "move-key-0002", Tally.Zero, TeamStatus.EnRoute);

        // Briefed is no longer a legal next status, but this is a retry of an accepted report, not a new one.
        var retry = await fixture.Report(op, "AR-RAID-01", "move-key-0001", Tally.Zero, TeamStatus.Briefed);
        Assert.True(retry.Replayed);
        Assert.Equal(first.Event, retry.Event);
    }

    [Fact]
    public async Task an_illegal_transition_is_refused_with_the_allowed_statuses()
    {
        var op = await fixture.NewOperation();
        var outcome = await fixture.Report(op, "AR-RAID-01", "illegal-0001", new Tally(5, 0, 0, 0), TeamStatus.Completed);
        Assert.Equal(DomainErrorKind.IllegalTransition, outcome.Error?.Kind);
        Assert.Contains(TeamStatus.Briefed, outcome.Error!.AllowedNext);
        Assert.Equal(Tally.Zero, (await fixture.Grains.GetGrain<IOperationGrain>(op).GetState())!.Totals);
    }

    [Fact]
    public async Task unknown_teams_and_operations_are_not_found()
    {
        var op = await fixture.NewOperation();
        Assert.Equal(DomainErrorKind.NotFound, (await fixture.Report(op, "XX-RAID-01", "unknown-0001", Tally.Zero)).Error?.Kind);
        Assert.Equal(DomainErrorKind.NotFound, (await fixture.Report("no-such-op", "AR-RAID-01", "unknown-0002", Tally.Zero)).Error?.Kind);
    }

    [Fact]
    public async Task a_retry_older_than_the_keys_kept_in_memory_is_answered_from_the_timeline_exactly_once()
    {
        var op = await fixture.NewOperation();
        var grain = fixture.Grains.GetGrain<IOperationGrain>(op);
        var first = await fixture.Report(op, "AR-RAID-01", "old-key-0001", new Tally(1, 0, 0, 0));
        Assert.Null(first.Error);
        // Push it out of memory: more keys after it than the grain keeps, then a reactivation (a failover reads only the
        // most recent keys back).
        for (var i = 0; i < ClusterFixture.RecentKeys + 10; i++)
            Assert.Null((await fixture.Report(op, "MK-RAID-01", $"filler-{i:D4}", new Tally(0, 0, 0, 1))).Error);
        var totals = new Tally(1, 0, 0, ClusterFixture.RecentKeys + 10);

        async Task RetryTogetherWithNewReports(string round)
        {
            // The stale retry shares its batch with new reports: they commit, gap-free, and the retry counts nothing.
            var news = Enumerable.Range(0, 5).Select(i => fixture.Report(op, "AR-RAID-02", $"{round}-new-{i}", new Tally(0, 1, 0, 0))).ToList();
            var retry = fixture.Report(op, "AR-RAID-01", "old-key-0001", new Tally(1, 0, 0, 0));
            var reused = fixture.Report(op, "AR-RAID-03", "filler-0000", new Tally(9, 0, 0, 0));
            Assert.All(await Task.WhenAll(news), o => Assert.Null(o.Error));
            var answer = await retry;
            Assert.Null(answer.Error);
            Assert.True(answer.Replayed);
            Assert.Equal(first.Event, answer.Event);
            Assert.Equal(DomainErrorKind.IdempotencyKeyReused, (await reused).Error?.Kind);
            totals = totals.Add(new Tally(0, 5, 0, 0));
        }

        await RetryTogetherWithNewReports("live");
        await fixture.Cluster.DeactivateAsync(grain);
        await RetryTogetherWithNewReports("reactivated");

        var state = await grain.GetState();
        Assert.Equal(totals, state!.Totals);
        var stored = await fixture.Timeline.ReadAsync(op, 0).ToListAsync();
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored.Select(e => e.Seq));
        Assert.Single(stored, e => e.IdempotencyKey == "old-key-0001");
        Assert.Equal(state.LastSeq, stored[^1].Seq);
    }
}
