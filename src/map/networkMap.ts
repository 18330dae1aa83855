/**
 * The network map's model: conversations between groups of addresses, as plain data that
 * the DOT and HTML renderers draw and that `vpcflow map --json` prints.
 *
 * (The builder that makes it from digest text lives beside this file; this module holds
 * the model's types, which every renderer shares.)
 */

/** How addresses are grouped into nodes. `cidr/N` groups by prefix length N (IPv4 0-32, IPv6 0-128). */
export type GroupBy = 'address' | 'subnet' | 'vpc' | 'account' | `cidr/${number}`

/** Bytes and packets, as exact as the digest had them (a bigint past 2^53). */
export interface Volume {
  bytes: number | bigint
  packets: number | bigint
}

/** Traffic of one conversation, or of an edge, counted each way and by action. */
export interface Traffic {
  /** Client to server (the request side): accepted and rejected apart. */
  readonly forward: { readonly accepted: Volume; readonly rejected: Volume }
  /** Server to client (the reply side): accepted and rejected apart. */
  readonly reverse: { readonly accepted: Volume; readonly rejected: Volume }
  /** Digest lines folded in. */
  records: number
}

/** One service between two groups: a protocol and the server's port (0 for port-less protocols such as ICMP). */
export interface Service extends Traffic {
  /** IANA protocol number (6 tcp, 17 udp, 1 icmp...). */
  readonly protocol: number
  readonly port: number
  /** `tcp/443`, `udp/53`, `icmp`. */
  readonly label: string
}

/** What kind of thing a node stands for. */
export type NodeKind =
  | 'address' // one address seen on an interface, or a private one
  | 'group' // a subnet, VPC, account or CIDR block of addresses
  | 'internet' // public addresses folded into one
  | 'aws-service' // public addresses of an AWS service (pkt-*-aws-service)
  | 'public' // one public address kept apart (--keep-public)

export interface MapNode {
  /**
   * Unique in the map: the address, `subnet-...`, `vpc-...`, the account id, `10.0.1.0/24`,
   * `aws:S3`, and for the folded internet `internet:in` (public clients: traffic coming in) and
   * `internet:out` (public servers: traffic going out).
   */
  readonly id: string
  /** What the picture shows: a name from --names, else the id. */
  label: string
  readonly kind: NodeKind
  /** The cluster it is drawn in (a VPC, or an account), if any. */
  cluster?: string
  /** Distinct addresses folded into this node. */
  addressCount: number
  /** The addresses (at most a few thousand are kept, in byte order; addressCount tells the rest). */
  addresses: string[]
  /** Names given to the addresses inside (from --names), by address. */
  names?: Record<string, string>
}

export interface MapEdge extends Traffic {
  /** Unique in the map. */
  readonly id: string
  /** The client side's node id. */
  readonly from: string
  /** The server side's node id. */
  readonly to: string
  /** Which traffic the edge carries: only accepted, only rejected, or both. */
  action: 'ACCEPT' | 'REJECT' | 'BOTH'
  /** Its services, most bytes first. */
  services: Service[]
  /** Distinct client addresses behind it (a scan from the internet: many). */
  sources: number
  /** Distinct server addresses behind it. */
  targets: number
}

export interface MapCluster {
  /** `vpc-0abc...` or an account id. */
  readonly id: string
  label: string
  readonly kind: 'vpc' | 'account'
  /** The enclosing cluster (a VPC's account, where there are several accounts). */
  parent?: string
}

export interface NetworkMap {
  /** What was read, as the user named it: `s3://bucket/prefix`, a folder, `-`. */
  source?: string
  /** Earliest start and latest end of the traffic, in Unix seconds; undefined when the input had none. */
  window?: { start: number; end: number }
  groupBy: GroupBy
  /** The AWS regions the records came from (their `region` field, or the log files' names), sorted. */
  regions?: string[]
  clusters: MapCluster[]
  nodes: MapNode[]
  edges: MapEdge[]
}
