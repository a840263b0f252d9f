package io.plantline.api.notifications;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class DestinationPolicyTest {

    private final DestinationPolicy publicOnly = new DestinationPolicy(false);

    @Test
    void internalRangesAreRefusedAndPublicAddressesAllowed() throws Exception {
        for (String internal : new String[] {"127.0.0.1", "169.254.169.254", "10.1.2.3", "172.16.0.1", "192.168.0.1",
                "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "224.0.0.1"}) {
            assertThat(publicOnly.allows(InetAddress.getByName(internal))).as(internal).isFalse();
        }
        for (String external : new String[] {"93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "100.128.0.1"}) {
            assertThat(publicOnly.allows(InetAddress.getByName(external))).as(external).isTrue();
        }
        assertThat(new DestinationPolicy(true).allows(InetAddress.getByName("127.0.0.1"))).isTrue();
    }

    @Test
    void onlyAddressLiteralsAreJudgedWithoutResolving() {
        assertThat(publicOnly.refusesLiteral("[::1]")).isTrue();
        assertThat(publicOnly.refusesLiteral("169.254.169.254")).isTrue();
        assertThat(publicOnly.refusesLiteral("hooks.example.com")).isFalse();
        assertThat(publicOnly.refusesLiteral("8.8.8.8")).isFalse();
    }
}
