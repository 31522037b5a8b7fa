/**
 * The API7 2.x areas of the schema (components/config/schema.ts): its etcd cluster and its images, read with
 * deploy.generation `2.x` only (components/config/rules/generation.ts rejects them with 3.x, and 3.x's with them).
 */
import { z } from "zod";
import { area, bool, image, instanceType, int, setting } from "../setting-types";

/**
 * The etcd image: etcd's own release image, "etcd uses gcr.io/etcd-development/etcd as a primary container registry,
 * and quay.io/coreos/etcd as secondary" (etcd-io/etcd scripts/release_notes.tpl.txt, v3.5.33 @c34dc7ee's history),
 * at the 3.5 line's release of that mirror (2026-07-23). Not the guide's bitnami/etcd:3.4.13: Bitnami moved its
 * catalog to docker.io/bitnamilegacy, which gets no updates, in 2025 (bitnami/containers issue 83267), and left out
 * images on Debian 10 and older (issue 86251). 3.5 is the last line that accepts --enable-v2 ("Deprecated in v3.5 and
 * will be decommissioned in v3.6": server/etcdmain/config.go @v3.5.33; removed in CHANGELOG-3.6.md).
 */
export const DEFAULT_ETCD_IMAGE = "gcr.io/etcd-development/etcd:v3.5.33";

export const GENERATION_AREAS = {
    etcd: area(
        {
            members: setting(
                z.literal([3, 5], {
                    error: "must be 3 or 5 (an odd number: a fourth member raises the quorum without tolerating more)",
                }),
                3,
                "With deploy.generation `2.x`: members of the etcd cluster that stores all of API7 2.x's " +
                    "configuration, one Auto Scaling group of one host each, spread over the AZs. 3 tolerate the " +
                    "loss of 1, 5 the loss of 2 (etcd's quorum is members/2 + 1); either needs 3 AZs to survive an " +
                    "AZ's loss.",
            ),
            instanceType: setting(
                instanceType,
                "t3.medium",
                "With deploy.generation `2.x`: EC2 type of the etcd hosts, checked as controlPlane.instanceType is " +
                    "(API7's 2.x guide gives 2 vCPU and 4 GiB per host).",
            ),
            dataVolumeGiB: setting(
                int(8, 1024, "must be from 8 to 1024 GiB"),
                20,
                "With deploy.generation `2.x`: each member's data volume (gp3, encrypted, in the member's AZ), kept " +
                    "when its host is replaced so that the new host rejoins as the same member. etcd's default " +
                    "space quota is 2 GiB; the rest is room for its write-ahead log and snapshots.",
            ),
            image: setting(
                image,
                DEFAULT_ETCD_IMAGE,
                "With deploy.generation `2.x`: the etcd image, pinned: etcd's own release image, of the 3.5 line " +
                    "(the last that serves the v2 API API7 2.x's guide turns on; 3.6 removed it). Pulled from its " +
                    "registry as written, whatever images.source says.",
            ),
            auth: setting(
                bool,
                true,
                "With deploy.generation `2.x`: etcd's authentication, on by default (API7's 2.x guide turns it " +
                    "off, so that any host reaching 2379 could read and change every route and certificate). The " +
                    "dashboards and gateways log in with users the program creates, whose passwords are SSM " +
                    "SecureStrings.",
            ),
            snapshotIntervalMinutes: setting(
                int(15, 1440, "must be from 15 to 1440 minutes"),
                60,
                "With deploy.generation `2.x`: how often a member saves an etcd snapshot to the stack's snapshot " +
                    "bucket (encrypted, versioned); an alarm fires when none was written in two intervals.",
            ),
        },
        "The etcd cluster of API7 2.x (deploy.generation 2.x).",
    ),
    v2: area(
        {
            dashboardImage: setting(
                image,
                "api7/api7-dashboard:2.13.2209.1",
                "With deploy.generation `2.x`: the 2.x dashboard image (port 9000), pinned, as you pushed it to " +
                    "images.registry from API7's tarball (docs/api7-2x.md). The default is the version of API7's " +
                    "2.x high-availability guide.",
            ),
            gatewayImage: setting(
                image,
                "api7/api7-gateway:2.13.2209.2",
                "With deploy.generation `2.x`: the 2.x gateway image (80, 443, metrics on 9091), pinned, pushed as " +
                    "v2.dashboardImage is.",
            ),
            clusterId: setting(
                z.string().regex(/^[A-Za-z0-9_-]*$/, { error: "must be letters, digits, `-` and `_` only" }),
                "",
                "With deploy.generation `2.x`: the id of the cluster the gateways serve, as the dashboard shows it " +
                    "once you created the cluster there: the gateways read etcd under /api7/<clusterId>. Empty " +
                    "(a new stack): no gateway host is started until it is set.",
            ),
        },
        "API7 2.x's dashboard and gateways (deploy.generation 2.x).",
    ),
} as const;
