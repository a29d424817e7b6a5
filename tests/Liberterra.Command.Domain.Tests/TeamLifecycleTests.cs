namespace Liberterra.Command.Domain.Tests;

public class TeamLifecycleTests
{
    [Theory]
    [InlineData(TeamStatus.Standby, TeamStatus.Briefed)]
    [InlineData(TeamStatus.Briefed, TeamStatus.EnRoute)]
    [InlineData(TeamStatus.EnRoute, TeamStatus.OnSite)]
    [InlineData(TeamStatus.OnSite, TeamStatus.Engaged)]
    [InlineData(TeamStatus.Engaged, TeamStatus.Extracting)]
    [InlineData(TeamStatus.Extracting, TeamStatus.Completed)]
    [InlineData(TeamStatus.Completed, TeamStatus.Standby)]
    [InlineData(TeamStatus.Engaged, TeamStatus.Holding)]
    [InlineData(TeamStatus.Holding, TeamStatus.Engaged)]
    [InlineData(TeamStatus.EnRoute, TeamStatus.Aborted)]
    [InlineData(TeamStatus.Aborted, TeamStatus.Standby)]
    public void a_raid_moves_forward_through_its_phases(TeamStatus from, TeamStatus to) =>
        Assert.True(TeamLifecycle.CanMove(from, to));

    [Theory]
    [InlineData(TeamStatus.Standby, TeamStatus.Engaged)]
    [InlineData(TeamStatus.Briefed, TeamStatus.Completed)]
    [InlineData(TeamStatus.Completed, TeamStatus.Engaged)]
    [InlineData(TeamStatus.Aborted, TeamStatus.OnSite)]
    [InlineData(TeamStatus.EnRoute, TeamStatus.Standby)]
    public void skipping_phases_is_not_allowed(TeamStatus from, TeamStatus to) =>
        Assert.False(TeamLifecycle.CanMove(from, to));

    [Fact]
    public void restating_the_current_status_is_a_check_in() =>
        Assert.All(Enum.GetValues<TeamStatus>(), s => Assert.True(TeamLifecycle.CanMove(s, s)));

    [Fact]
    public void every_status_has_a_way_forward_and_every_status_is_reachable()
    {
        var reachable = new HashSet<TeamStatus> { TeamLifecycle.Initial };
        var frontier = new Queue<TeamStatus>([TeamLifecycle.Initial]);
        while (frontier.TryDequeue(out var s))
        {
            Assert.NotEmpty(TeamLifecycle.AllowedNext(s));
            foreach (var next in TeamLifecycle.AllowedNext(s).Where(reachable.Add)) frontier.Enqueue(next);
        }

        Assert.Equal(Enum.GetValues<TeamStatus>().ToHashSet(), reachable);
    }
}
