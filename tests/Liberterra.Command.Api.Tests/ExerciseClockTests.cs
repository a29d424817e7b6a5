using System.Net;
using System.Net.Http.Json;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Testing;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// An exercise on a compressed clock: every time the server gives its events (server time, device time, overdue
/// checks, the activity's now) is on that clock, which runs clockSpeed times faster from the window's start.
/// </summary>
[Collection(ServerCollection.Name)]
public class ExerciseClockTests(ServerFixture server)
{
    private HttpClient Http => server.Http;

    private Task<(string Id, DateTimeOffset Start)> DefineExercise(double speed, TimeSpan startedAgo) =>
        TestOperations.DefineExerciseAsync(Http, speed, startedAgo);

    [Fact]
    public async Task reports_are_stamped_on_the_compressed_clock_and_so_is_a_device_time()
    {
        var (op, start) = await DefineExercise(600, TimeSpan.FromMinutes(2));   // 2 real minutes in: 20 hours of the exercise
        var before = DateTimeOffset.UtcNow;
        var device = before.AddSeconds(-3);
        var response = await Api.PostReport(Http, op, "AR-RAID-01", new { status = "Briefed", children = 1, clientTime = device }, Api.NewKey());
        var after = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var ack = (await response.Content.ReadFromJsonAsync<ReportAck>(Api.Json))!;

        Assert.InRange(ack.ServerTime, OperationClock.At(start, 600, before).AddMilliseconds(-1), OperationClock.At(start, 600, after).AddMilliseconds(1));
        Assert.InRange(ack.ServerTime - start, TimeSpan.FromHours(19), TimeSpan.FromHours(22));
        // The device's clock said 3 real seconds earlier: half an hour earlier on the exercise's clock.
        Assert.Equal(TimelineClock.Normalize(OperationClock.At(start, 600, device)), ack.ClientTime);

        var view = await Api.Operation(Http, op);
        Assert.Equal(600, view.ClockSpeed);
        // A team lead's page reads the clock under its team's path.
        var lead = server.Server.Client(TestAuth.Token(Roles.TeamLead, "AR-RAID-01"));
        var header = (await lead.GetFromJsonAsync<OperationHeaderView>($"/api/operations/{op}/teams/AR-RAID-01/operation", Api.Json))!;
        Assert.Equal((op, true, (double?)600, start), (header.Id, header.Exercise, header.ClockSpeed, header.WindowStart));
        Assert.Equal(HttpStatusCode.Forbidden, (await lead.GetAsync($"/api/operations/{op}/teams/MK-RAID-01/operation")).StatusCode);
        var activity = (await Http.GetFromJsonAsync<ActivityView>($"/api/operations/{op}/activity?hours=24&bucketMinutes=60", Api.Json))!;
        Assert.True(activity.Now >= ack.ServerTime, $"the activity's now {activity.Now:O} is before the report {ack.ServerTime:O}");
        Assert.Equal(1, activity.Regions.Single(r => r.RegionId == "AR").Rescued[^1] + activity.Regions.Single(r => r.RegionId == "AR").Rescued[^2]);
    }

    [Fact]
    public async Task a_device_clock_is_judged_in_real_time_and_mapped_once_also_for_a_correction()
    {
        var (op, start) = await DefineExercise(600, TimeSpan.FromMinutes(1));

        // A phone one second ahead of the server: ten minutes ahead on the exercise's clock, but judged in real time.
        var ahead = DateTimeOffset.UtcNow.AddSeconds(1);
        var report = await Api.PostReport(Http, op, "AR-RAID-01", new { women = 2, clientTime = ahead }, Api.NewKey());
        Assert.Equal(HttpStatusCode.Created, report.StatusCode);
        var stored = (await report.Content.ReadFromJsonAsync<ReportAck>(Api.Json))!;
        Assert.Equal(TimelineClock.Normalize(OperationClock.At(start, 600, ahead)), stored.ClientTime);

        // A correction of a stored report is judged after reading it (a second pass in the grain): its device time is
        // mapped once, not twice.
        var device = DateTimeOffset.UtcNow.AddSeconds(-2);
        var correction = await Api.PostRaw(Http, $"/api/operations/{op}/teams/AR-RAID-01/corrections",
            System.Text.Json.JsonSerializer.Serialize(new { corrects = stored.Seq, women = -1, reason = "recount", clientTime = device }, Api.Json), Api.NewKey());
        Assert.Equal(HttpStatusCode.Created, correction.StatusCode);
        Assert.Equal(TimelineClock.Normalize(OperationClock.At(start, 600, device)), (await correction.Content.ReadFromJsonAsync<ReportAck>(Api.Json))!.ClientTime);

        // Eleven real minutes ahead is refused as on any operation.
        var far = await Api.PostReport(Http, op, "AR-RAID-01", new { women = 1, clientTime = DateTimeOffset.UtcNow.AddMinutes(11) }, Api.NewKey());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, far.StatusCode);
        Assert.Contains("clientTime", Api.ErrorFields(await Api.Problem(far)));
    }

    [Fact]
    public async Task a_silent_team_is_flagged_after_thirty_minutes_of_the_exercise_s_time()
    {
        var (op, _) = await DefineExercise(600, TimeSpan.Zero);
        await Api.PostReport(Http, op, "MK-RAID-01", new { status = "Briefed" }, Api.NewKey());

        // 30 minutes at 600x are 3 real seconds; the scan runs every 750 ms on this clock.
        var flagged = await Wait.Until(
            async () => (await Api.Operation(Http, op)).Teams.Single(t => t.Id == "MK-RAID-01"),
            team => team.OverdueSince is not null, TimeSpan.FromSeconds(20), "MK-RAID-01 flagged overdue");
        Assert.InRange(flagged.OverdueSince!.Value - flagged.LastReportAt!.Value, TimeSpan.FromMinutes(30), TimeSpan.FromHours(6));
        var ticker = (await Http.GetFromJsonAsync<TickerEntry[]>($"/api/operations/{op}/ticker?limit=1", Api.Json))!;
        Assert.StartsWith("CHECK-IN OVERDUE · no check-in for ", ticker[0].Summary);
    }

    [Fact]
    public async Task only_an_exercise_has_a_compressed_clock_within_bounds_and_it_cannot_change()
    {
        async Task<HttpResponseMessage> Put(string id, bool exercise, double speed, DateTimeOffset start) =>
            await Http.PutAsJsonAsync($"/api/operations/{id}", new
            {
                name = "Clock exercise", windowStart = start, windowEnd = start.AddDays(6), exercise, clockSpeed = speed,
                regions = TestOperations.TwoRegions, teams = TestOperations.FourTeams,
            });

        var start = TimelineClock.Normalize(DateTimeOffset.UtcNow);
        var real = await Put($"op-{Guid.NewGuid():N}"[..16], exercise: false, 600, start);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, real.StatusCode);
        Assert.Contains("clockSpeed", Api.ErrorFields(await Api.Problem(real)));
        foreach (var bad in new[] { 0, 0.5, OperationClock.MaxSpeed + 1 })
        {
            var refused = await Put($"op-{Guid.NewGuid():N}"[..16], exercise: true, bad, start);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Contains("clockSpeed", Api.ErrorFields(await Api.Problem(refused)));
        }

        // A compressed clock starts now: not a day and more ago (its times would run years ahead), nor in the future.
        foreach (var wrong in new[] { start.AddDays(-2), start.AddMinutes(5) })
        {
            var refused = await Put($"op-{Guid.NewGuid():N}"[..16], exercise: true, 600, wrong);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Contains("windowStart", Api.ErrorFields(await Api.Problem(refused)));
        }

        var (op, exerciseStart) = await DefineExercise(600, TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.Conflict, (await Put(op, exercise: true, 60, exerciseStart)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Put(op, exercise: true, 600, exerciseStart.AddHours(1))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Put(op, exercise: true, 600, exerciseStart)).StatusCode);   // the same again: up to date
    }
}
