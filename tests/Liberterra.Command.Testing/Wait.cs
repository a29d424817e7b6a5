namespace Liberterra.Command.Testing;

/// <summary>Waits for a condition to hold, checking it again and again, up to a deadline.</summary>
public static class Wait
{
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        T value;
        while (true)
        {
            try
            {
                value = await read();
                if (done(value)) return value;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // Not ready yet (the server is still starting, a connection was refused): ask again.
            }

            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"Gave up waiting for {what ?? "the condition"} after {timeout ?? TimeSpan.FromSeconds(15)}.");
            await Task.Delay(TimeSpan.FromMilliseconds(25));
        }
    }
}
