using System.Net;
using System.Net.Http.Json;
using Liberterra.Command.Contracts;

namespace Liberterra.Command.Api.Tests;

/// <summary>What the wall starts from before deltas arrive: the ticker and the per-region activity.</summary>
[Collection(ServerCollection.Name)]
public class WallDataApiTests(ServerFixture server)
{
    private HttpClient Http => server.Http;

    [Fact]
    public async Task the_ticker_lists_the_latest_reports_and_corrections_newest_first_with_their_notes()
    {
        var op = await Api.DefineOperation(Http);
        await Api.PostReport(Http, op, "AR-RAID-01", new { status = "Briefed", children = 2, note = "<b>first</b>" }, Api.NewKey());
        var second = await (await Api.PostReport(Http, op, "MK-RAID-01", new { women = 3 }, Api.NewKey())).Content.ReadFromJsonAsync<ReportAck>(Api.Json);
        var correction = await Api.PostRaw(Http, $"/api/operations/{op}/teams/MK-RAID-01/corrections",
            $$"""{"corrects":{{second!.Seq}},"women":-1,"reason":"double-counted"}""", Api.NewKey());
        Assert.Equal(HttpStatusCode.Created, correction.StatusCode);

        var ticker = (await Http.GetFromJsonAsync<TickerEntry[]>($"/api/operations/{op}/ticker?limit=10", Api.Json))!;
        Assert.Equal(["ReportCorrected", "FieldReported", "FieldReported"], ticker.Select(t => t.Kind));
        Assert.Equal([4L, 3L, 2L], ticker.Select(t => t.Seq));
        Assert.Equal("double-counted", ticker[0].Report!.Reason);
        Assert.Equal(-1, ticker[0].Report!.Counts.Women);
        Assert.Equal("<b>first</b>", ticker[2].Report!.Note);
        Assert.Equal(2, (await Http.GetFromJsonAsync<TickerEntry[]>($"/api/operations/{op}/ticker?limit=2", Api.Json))!.Length);
    }

    [Fact]
    public async Task activity_counts_rescues_and_arrests_per_region_in_the_bucket_of_now()
    {
        var op = await Api.DefineOperation(Http);
        await Api.PostReport(Http, op, "AR-RAID-01", new { children = 2, women = 1, arrested = 3 }, Api.NewKey());
        await Api.PostReport(Http, op, "AR-BCP-01", new { men = 4 }, Api.NewKey());
        await Api.PostReport(Http, op, "MK-RAID-02", new { women = 5, arrested = 1 }, Api.NewKey());

        var activity = await Http.GetFromJsonAsync<ActivityView>($"/api/operations/{op}/activity?hours=24&bucketMinutes=60", Api.Json);
        Assert.Equal(24, activity!.Buckets);
        Assert.Equal(60, activity.BucketMinutes);
        Assert.Equal(["AR", "MK"], activity.Regions.Select(r => r.RegionId));
        Assert.InRange(activity.Now, activity.From.AddHours(23), activity.From.AddHours(24));
        var ar = activity.Regions.Single(r => r.RegionId == "AR");
        var mk = activity.Regions.Single(r => r.RegionId == "MK");
        // Everything happened just now, so in the last bucket; unless the hour turned between the posts and the read.
        Assert.Equal(7, ar.Rescued.Sum());
        Assert.Equal(3, ar.Arrested.Sum());
        Assert.Equal(5, mk.Rescued.Sum());
        Assert.Equal(1, mk.Arrested.Sum());
        Assert.True(ar.Rescued[^1] + ar.Rescued[^2] == 7);
    }

    [Theory]
    [InlineData("hours=0", "hours")]
    [InlineData("hours=745", "hours")]
    [InlineData("bucketMinutes=0", "bucketMinutes")]
    [InlineData("hours=24&bucketMinutes=7", "bucketMinutes")]
    [InlineData("hours=744&bucketMinutes=1", "bucketMinutes")]
    public async Task an_activity_query_out_of_range_is_refused_naming_the_parameter(string query, string field)
    {
        var op = await Api.DefineOperation(Http);
        var response = await Http.GetAsync($"/api/operations/{op}/activity?{query}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(field, Api.ErrorFields(await Api.Problem(response)));
    }

    [Fact]
    public async Task ticker_and_activity_of_an_unknown_operation_are_not_found()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/operations/no-such-op/ticker")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/api/operations/no-such-op/activity")).StatusCode);
        var badLimit = await Http.GetAsync("/api/operations/no-such-op/ticker?limit=0");
        Assert.Contains("limit", Api.ErrorFields(await Api.Problem(badLimit)));
    }
}
