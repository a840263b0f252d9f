package io.plantline.api.organisations;

import io.plantline.api.http.ApiException;
import io.plantline.api.http.Call;
import java.util.Optional;

/**
 * The organisation whose admins run the platform ({@code --platform-org}): they create organisations and manage the
 * cluster's jobs. To everyone else these routes do not exist (404), so their existence tells nothing.
 */
public final class PlatformOrganisation {

    private final Optional<String> slug;

    public PlatformOrganisation(Optional<String> slug) {
        this.slug = slug;
    }

    /** Refuses the call as an unknown route unless its user belongs to the platform organisation. */
    public void require(Call call) {
        if (slug.filter(call.org()::equals).isEmpty()) {
            throw ApiException.notFound("route");
        }
    }
}
