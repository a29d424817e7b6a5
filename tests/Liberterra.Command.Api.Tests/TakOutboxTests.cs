using Liberterra.Command.Server.Tak;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// What waits for one TAK device: the newest event per uid, in the order the uids first waited; never an older state
/// over a newer one; chat (uids of their own) never replaced; a device that stops reading is found out.
/// </summary>
public class TakOutboxTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);

    private static TakEncoded Team(string id, long seq, string remarks) =>
        new(new CotEvent($"liberterra.op.{id}", "a-f-G-U-C", "h-g-i-g-o", Now, Now, Now.AddMinutes(30), new CotPoint(1, 2), id, remarks), seq: seq);

    private static TakEncoded Chat(int n) =>
        new(new CotEvent($"GeoChat.liberterra-command.ANDROID-1.op.{n}", "b-t-f", "h-g-i-g-o", Now, Now, Now.AddDays(1), new CotPoint(0, 0), null, $"Order #{n}"));

    [Fact]
    public async Task a_team_that_changes_again_before_it_is_written_is_replaced_where_it_waits()
    {
        var outbox = new TakOutbox();
        Assert.True(outbox.Put(Team("A", 5, "a5")));
        Assert.True(outbox.Put(Chat(6)));
        Assert.True(outbox.Put(Team("B", 7, "b7")));
        Assert.True(outbox.Put(Team("A", 8, "a8")));
        Assert.True(outbox.Put(Chat(9)));
        Assert.True(outbox.Put(Team("A", 4, "a4 from a greeting read earlier")));
        var taken = await outbox.TakeAsync(CancellationToken.None);
        Assert.Equal(["liberterra.op.A", "GeoChat.liberterra-command.ANDROID-1.op.6", "liberterra.op.B", "GeoChat.liberterra-command.ANDROID-1.op.9"], taken.Select(e => e.Uid));
        Assert.Contains("a8", System.Text.Encoding.UTF8.GetString(taken[0].Xml));

        // Written already: an older state that comes later is still let go; a newer one waits again.
        Assert.True(outbox.Put(Team("A", 7, "a7")));
        Assert.True(outbox.Put(Team("A", 10, "a10")));
        var next = await outbox.TakeAsync(CancellationToken.None);
        Assert.Contains("a10", System.Text.Encoding.UTF8.GetString(Assert.Single(next).Xml));
    }

    [Fact]
    public async Task taking_waits_until_something_is_put()
    {
        var outbox = new TakOutbox();
        var taking = outbox.TakeAsync(CancellationToken.None).AsTask();
        Assert.False(taking.IsCompleted);
        outbox.Put(Chat(1));
        Assert.Single(await taking.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void a_device_that_stops_reading_is_found_out()
    {
        var outbox = new TakOutbox();
        for (var i = 0; i < TakOutbox.MaxPending; i++) Assert.True(outbox.Put(Chat(i)));
        Assert.False(outbox.Put(Chat(TakOutbox.MaxPending)));
        Assert.True(outbox.Put(Chat(0)), "a uid already waiting is still replaced");
    }
}
