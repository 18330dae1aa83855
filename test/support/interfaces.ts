/** Interfaces as `aws ec2 describe-network-interfaces` prints them (fields trimmed to what matters). */
export const DESCRIBED = {
  NetworkInterfaces: [
    {
      NetworkInterfaceId: 'eni-0web1',
      InterfaceType: 'interface',
      Description: '',
      Attachment: { InstanceId: 'i-0abc1234def567890', InstanceOwnerId: '111122223333' },
      PrivateIpAddress: '10.0.1.5',
      PrivateIpAddresses: [
        { Primary: true, PrivateIpAddress: '10.0.1.5', Association: { PublicIp: '54.1.2.3' } },
        { Primary: false, PrivateIpAddress: '10.0.1.55' },
      ],
      Ipv6Addresses: [{ Ipv6Address: '2600:1f18::5' }],
      TagSet: [{ Key: 'team', Value: 'shop' }, { Key: 'Name', Value: 'web-1' }],
    },
    { NetworkInterfaceId: 'eni-0nat', InterfaceType: 'nat_gateway', Description: 'Interface for NAT Gateway nat-0123456789abcdef0', PrivateIpAddress: '10.0.0.9', RequesterId: '036872051663', TagSet: [] },
    { NetworkInterfaceId: 'eni-0elb', InterfaceType: 'interface', Description: 'ELB app/shop/50dc6c495c0c9188', RequesterId: 'amazon-elb', PrivateIpAddress: '10.0.0.20' },
    { NetworkInterfaceId: 'eni-0fn', InterfaceType: 'lambda', Description: 'AWS Lambda VPC ENI-orders-5f0b7a2e-9d2c-4c1e-8f3a-1b2c3d4e5f60', PrivateIpAddress: '10.0.2.30' },
    { NetworkInterfaceId: 'eni-0rds', InterfaceType: 'interface', Description: 'RDSNetworkInterface', RequesterId: 'amazon-rds', PrivateIpAddress: '10.0.3.10' },
    { NetworkInterfaceId: 'eni-0vpce', InterfaceType: 'vpc_endpoint', Description: 'VPC Endpoint Interface vpce-0a1b2c3d4e5f60789', PrivateIpAddress: '10.0.2.40' },
    { NetworkInterfaceId: 'eni-0bare', InterfaceType: 'interface', Description: '', PrivateIpAddress: '10.0.2.50' },
    { NetworkInterfaceId: 'eni-0efs', InterfaceType: 'efs', Description: 'EFS mount target for fs-0123 (fsmt-0456)', PrivateIpAddress: '10.0.2.60' },
  ],
}
