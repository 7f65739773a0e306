package io.chatnio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link CopyOnWriteLongMap} against a {@link HashMap} as the model, including the keys a server really uses. */
class CopyOnWriteLongMapTest {

    @Test
    void agreesWithAHashMapThroughPutsReplacesAndRemoves() {
        CopyOnWriteLongMap<String> map = new CopyOnWriteLongMap<>();
        Map<Long, String> model = new HashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int op = 0; op < 20_000; op++) {
            // 127.0.0.1 with ports in a narrow range: many keys differ in a few low bits only
            long key = SeedProtocol.ipv4Key(0x7F00_0001, 40_000 + random.nextInt(600));
            if (random.nextInt(3) > 0) {
                String value = "v" + op;
                map.put(key, value);
                model.put(key, value);
            } else {
                String current = model.get(key);
                assertThat(map.remove(key, "not the value")).isFalse();
                assertThat(map.remove(key, current)).isEqualTo(current != null);
                model.remove(key);
            }
            assertThat(map.size()).isEqualTo(model.size());
        }
        assertThat(model).isNotEmpty();
        for (int port = 40_000; port < 40_600; port++) {
            long key = SeedProtocol.ipv4Key(0x7F00_0001, port);
            assertThat(map.get(key)).as("port %d", port).isEqualTo(model.get(key));
        }
    }

    @Test
    void removeComparesValuesByIdentity() {
        CopyOnWriteLongMap<String> map = new CopyOnWriteLongMap<>();
        String older = new String("conn");
        String newer = new String("conn");
        map.put(1L, newer);
        assertThat(map.remove(1L, older)).as("an older connection with the same address").isFalse();
        assertThat(map.get(1L)).isSameAs(newer);
        assertThat(map.remove(1L, newer)).isTrue();
        assertThat(map.get(1L)).isNull();
        assertThat(map.size()).isZero();
    }
}
